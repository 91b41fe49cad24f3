// RawDb: a store's RocksDB database opened directly, bypassing the store,
// so that tests can tamper with log records (flip bytes, delete, swap)
// and flush them into SST files to damage.
// REQUIRES: no store has the database open.
#ifndef ORGLEDGER_TESTS_TESTING_RAW_DB_H_
#define ORGLEDGER_TESTS_TESTING_RAW_DB_H_

#include <string>
#include <vector>

#include "eventstore/event_store.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace orgledger::testing {

class RawDb {
 public:
  explicit RawDb(const std::string& path);
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;
  ~RawDb();

  // The stored record at `p` of the `log` column family ("" when absent).
  std::string Get(eventstore::Position p);
  void Put(eventstore::Position p, const std::string& record);
  void Delete(eventstore::Position p);
  // Flushes every column family's memtable into SST files.
  void Flush();
  // The paths of the SST files of column family `name` ("state": the
  // projections' rows), after Flush().
  std::vector<std::string> SstFiles(const std::string& name);

 private:
  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* log_ = nullptr;
};

}  // namespace orgledger::testing

#endif  // ORGLEDGER_TESTS_TESTING_RAW_DB_H_
