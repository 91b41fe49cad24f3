#include "eventstore/rocksdb_key_rows.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <memory>

namespace orgledger::eventstore {
namespace {

rocksdb::Slice ToSlice(std::string_view s) { return {s.data(), s.size()}; }

Status NoKeys() {
  return Unavailable(
      "the event store has no key rows yet; open it for writing once");
}

}  // namespace

Result<std::optional<std::string>> GetKeyRowIn(RocksDbHandle& handle,
                                               std::string_view key) {
  // A secondary instance of a database written before key rows existed:
  // it has none.
  if (handle.keys() == nullptr) return std::optional<std::string>();
  std::string value;
  rocksdb::Status s = handle.db()->Get(rocksdb::ReadOptions(), handle.keys(),
                                       ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocksDb(s, "read a key row");
  return std::optional<std::string>(std::move(value));
}

Result<std::vector<KeyValue>> ScanKeyRowsIn(RocksDbHandle& handle,
                                            std::string_view prefix) {
  if (handle.keys() == nullptr) return std::vector<KeyValue>();
  std::vector<KeyValue> out;
  std::unique_ptr<rocksdb::Iterator> it(
      handle.db()->NewIterator(rocksdb::ReadOptions(), handle.keys()));
  for (it->Seek(ToSlice(prefix));
       it->Valid() && it->key().starts_with(ToSlice(prefix)); it->Next()) {
    out.emplace_back(it->key().ToString(), it->value().ToString());
  }
  if (!it->status().ok()) return FromRocksDb(it->status(), "scan key rows");
  return out;
}

Status WriteKeyRowsIn(RocksDbHandle& handle, const StateBatch& batch,
                      bool sync) {
  if (handle.keys() == nullptr) return NoKeys();
  for (const StateBatch::Op& op : batch.ops()) {
    if (op.kind == StateBatch::Kind::kDeleteRange) {
      return InvalidArgument("key rows take no range deletes");
    }
  }
  rocksdb::WriteBatch wb;
  if (Status s = AddToWriteBatch(batch, handle.keys(), &wb, "a key row write");
      !s.ok()) {
    return s;
  }
  rocksdb::WriteOptions options;
  options.sync = sync;
  return FromRocksDb(handle.Write(options, &wb), "write key rows");
}

Status PurgeDeletedIn(RocksDbHandle& handle) {
  rocksdb::DB* db = handle.db();
  std::vector<rocksdb::ColumnFamilyHandle*> all = {
      handle.log(),  handle.streams(),   handle.heads(), handle.idempotency(),
      handle.meta(), handle.snapshots(), handle.state()};
  if (handle.keys() != nullptr) all.push_back(handle.keys());
  rocksdb::FlushOptions flush;
  flush.wait = true;
  if (rocksdb::Status s = db->Flush(flush, all); !s.ok()) {
    return FromRocksDb(s, "flush before purging");
  }
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction =
      rocksdb::BottommostLevelCompaction::kForce;
  for (rocksdb::ColumnFamilyHandle* cf :
       {handle.keys(), handle.state(), handle.snapshots(),
        handle.idempotency()}) {
    if (cf == nullptr) continue;
    if (rocksdb::Status s = db->CompactRange(compact, cf, nullptr, nullptr);
        !s.ok()) {
      return FromRocksDb(s, "purge " + cf->GetName());
    }
  }
  return Status::Ok();
}

}  // namespace orgledger::eventstore
