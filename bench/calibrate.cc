#include "bench/calibrate.h"

#include <fcntl.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <unistd.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#include "eventstore/postgres/pg.h"

namespace orgledger::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

double PostgresCommitMicros(const std::string& url, int rounds) {
  namespace pg = eventstore::pg;
  auto c = pg::Connection::Open({url});
  if (!c.ok()) return 0;
  if (!(*c)->Exec("CREATE TABLE IF NOT EXISTS orgledger_bench_calibrate "
                  "(x bigint)")
           .ok()) {
    return 0;
  }
  std::vector<double> us;
  for (int i = 0; i < rounds; ++i) {
    const auto t0 = Clock::now();
    if (!(*c)->Exec("BEGIN; INSERT INTO orgledger_bench_calibrate VALUES (1); "
                    "COMMIT")
             .ok()) {
      return 0;
    }
    us.push_back(Seconds(Clock::now() - t0) * 1e6);
  }
  (void)(*c)->Exec("DROP TABLE orgledger_bench_calibrate");
  return Percentile(us, 0.5);
}

double PostgresScanPerSecond(const std::string& url, std::uint64_t* rows) {
  namespace pg = eventstore::pg;
  *rows = 0;
  auto c = pg::Connection::Open({url});
  if (!c.ok()) return 0;
  const auto t0 = Clock::now();
  for (std::int64_t next = 1;;) {
    auto r =
        (*c)->Exec({"SELECT position, record FROM orgledger_log WHERE "
                    "position >= $1 ORDER BY position LIMIT 512",
                    {pg::Param::Int(next)},
                    true});
    if (!r.ok() || r->size() == 0) break;
    *rows += static_cast<std::uint64_t>(r->size());
    next = r->Int(r->size() - 1, 0) + 1;
  }
  const double s = Seconds(Clock::now() - t0);
  return s > 0 ? static_cast<double>(*rows) / s : 0;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

namespace {
double StatusMb(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  const std::size_t n = std::strlen(field);
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0) return std::stod(line.substr(n)) / 1024;
  }
  return 0;
}
}  // namespace

double PeakRssMb() { return StatusMb("VmHWM:"); }
double CurrentRssMb() { return StatusMb("VmRSS:"); }

HeapMb CurrentHeapMb() {
  HeapMb mb;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
  const struct mallinfo2 m = ::mallinfo2();
  mb.in_use = static_cast<double>(m.uordblks + m.hblkhd) / 1048576.0;
  mb.free = static_cast<double>(m.fordblks) / 1048576.0;
#endif
  return mb;
}

double FsyncMicros(const std::string& dir, int rounds) {
  const std::string path = dir + "/fsync-calibration";
  const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  if (fd < 0) return -1;
  const std::string block(4096, 'x');
  std::vector<double> us;
  for (int i = 0; i < rounds; ++i) {
    const auto t0 = Clock::now();
    if (::write(fd, block.data(), block.size()) != 4096) break;
    ::fdatasync(fd);
    us.push_back(Seconds(Clock::now() - t0) * 1e6);
  }
  ::close(fd);
  std::filesystem::remove(path);
  return Percentile(us, 0.5);
}

double RocksDbBatchPutsPerSecond(const std::string& dir, int keys) {
  const std::string path = dir + "/rocksdb-calibration";
  std::filesystem::remove_all(path);
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(options, path, &raw).ok()) return 0;
  std::unique_ptr<rocksdb::DB> db(raw);
  const std::string value(256, 'v');
  const auto t0 = Clock::now();
  for (int i = 0; i < keys; i += 100) {
    rocksdb::WriteBatch batch;
    for (int k = i; k < i + 100; ++k) {
      char key[16];
      std::snprintf(key, sizeof(key), "k%012d", k);
      batch.Put(key, value);
    }
    if (!db->Write(rocksdb::WriteOptions(), &batch).ok()) return 0;
  }
  const double s = Seconds(Clock::now() - t0);
  db.reset();
  std::filesystem::remove_all(path);
  return keys / s;
}

double RocksDbScanPerSecond(const std::string& db_path, const std::string& cf,
                            std::uint64_t* keys) {
  std::vector<std::string> names;
  rocksdb::Options options;
  if (!rocksdb::DB::ListColumnFamilies(options, db_path, &names).ok()) return 0;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const auto& n : names)
    cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  if (!rocksdb::DB::OpenForReadOnly(options, db_path, cfs, &handles, &db)
           .ok()) {
    return 0;
  }
  rocksdb::ColumnFamilyHandle* handle = nullptr;
  for (auto* h : handles) {
    if (h->GetName() == cf) handle = h;
  }
  std::uint64_t n = 0;
  const auto t0 = Clock::now();
  {
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(rocksdb::ReadOptions(), handle));
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  }
  const double s = Seconds(Clock::now() - t0);
  for (auto* h : handles)
    db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  delete db;
  if (keys != nullptr) *keys = n;
  return s > 0 ? n / s : 0;
}

}  // namespace orgledger::bench
