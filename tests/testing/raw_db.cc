#include "tests/testing/raw_db.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "eventstore/rocksdb_layout.h"

namespace orgledger::testing {

namespace layout = eventstore::layout;

RawDb::RawDb(const std::string& path) {
  std::vector<std::string> names;
  EXPECT_TRUE(
      rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const auto& n : names)
    cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  rocksdb::Status s =
      rocksdb::DB::Open(rocksdb::DBOptions(), path, cfs, &handles_, &db_);
  EXPECT_TRUE(s.ok()) << s.ToString();
  for (auto* h : handles_) {
    if (h->GetName() == layout::kLogCf) log_ = h;
  }
}

RawDb::~RawDb() {
  for (auto* h : handles_)
    db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  delete db_;
}

std::string RawDb::Get(eventstore::Position p) {
  std::string v;
  EXPECT_TRUE(
      db_->Get(rocksdb::ReadOptions(), log_, layout::LogKey(p), &v).ok());
  return v;
}

void RawDb::Put(eventstore::Position p, const std::string& v) {
  EXPECT_TRUE(
      db_->Put(rocksdb::WriteOptions(), log_, layout::LogKey(p), v).ok());
}

void RawDb::Delete(eventstore::Position p) {
  EXPECT_TRUE(
      db_->Delete(rocksdb::WriteOptions(), log_, layout::LogKey(p)).ok());
}

std::vector<std::string> RawDb::SstFiles(const std::string& name) {
  std::vector<rocksdb::LiveFileMetaData> files;
  db_->GetLiveFilesMetaData(&files);
  std::vector<std::string> out;
  for (const rocksdb::LiveFileMetaData& f : files) {
    if (f.column_family_name == name) out.push_back(f.directory + f.name);
  }
  return out;
}

void RawDb::Flush() {
  for (auto* h : handles_) {
    EXPECT_TRUE(db_->Flush(rocksdb::FlushOptions(), h).ok());
  }
}

}  // namespace orgledger::testing
