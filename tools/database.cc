#include "tools/database.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/time.h"
#include "commands/system_context.h"
#include "eventstore/postgres/postgres_event_store.h"
#include "eventstore/rocksdb_event_store.h"

namespace orgledger::tools {
namespace {

std::string HolderPath(const std::string& data) { return data + "/HOLDER"; }

}  // namespace

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Where::Describe() const {
  if (!postgres()) return data;
  // scheme://[user[:password]@]host[:port][/db][?params] -> scheme://host/db
  std::string url = store.substr(0, store.find('?'));
  const std::size_t scheme = url.find("://");
  const std::size_t from = scheme == std::string::npos ? 0 : scheme + 3;
  const std::size_t at = url.find('@', from);
  const std::size_t slash = url.find('/', from);
  if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
    url.erase(from, at + 1 - from);
  }
  return url;
}

Status CheckWhere(const Where& where) {
  if (where.data.empty() && where.store.empty()) {
    return InvalidArgument(
        "no database: give --data DIR (RocksDB) or --store URL (PostgreSQL, "
        "postgresql://...)");
  }
  if (where.postgres() && !eventstore::IsPostgresUrl(where.store)) {
    return InvalidArgument("--store takes a PostgreSQL URL (postgresql://...)");
  }
  if (where.store_timeout_s <= 0) {
    return InvalidArgument("--store-timeout must be more than 0 seconds");
  }
  return Status::Ok();
}

void ApplyWhere(const Where& where, commands::EngineOptions* options) {
  options->data_dir = where.data;
  options->postgres.url = where.store;
  options->postgres.timeout = std::chrono::milliseconds(
      static_cast<long long>(where.store_timeout_s * 1000));
}

int Fail(const Status& s) {
  std::fprintf(stderr, "orgledger: %s\n", s.message().c_str());
  return kExitUsage;
}

Result<std::unique_ptr<commands::Engine>> OpenEngine(
    commands::EngineOptions options, const std::string& command,
    IfMissing if_missing) {
  if (!options.postgres.url.empty()) {
    // Many engines share a PostgreSQL store: there is no one holder.
    return commands::Engine::Open(std::move(options));
  }
  const std::string data = options.data_dir;
  const bool creating = !std::filesystem::exists(data + "/CURRENT");
  if (creating && if_missing == IfMissing::kRefuse) {
    return NotFound("no database at " + data + " (" + command +
                    " never creates one)");
  }
  Result<std::unique_ptr<commands::Engine>> engine =
      commands::Engine::Open(std::move(options));
  // Said once it is true: a path that cannot hold a database gets only
  // its error.
  if (creating && engine.ok()) {
    std::fprintf(stderr, "orgledger: created a new database at %s\n",
                 data.c_str());
  }
  if (!engine.ok()) {
    if (engine.status().message().find("in use by another process") !=
        std::string::npos) {
      Result<std::string> holder = ReadFile(HolderPath(data));
      std::string who = holder.ok() ? *holder : "another process\n";
      while (!who.empty() && who.back() == '\n') who.pop_back();
      return Status(Code::kUnavailable,
                    "the database at " + data + " is in use by " + who +
                        " (one writer at a time; read-only commands such as "
                        "replay and verify work while it runs)");
    }
    return engine.status();
  }
  std::ofstream holder(HolderPath(data), std::ios::trunc);
  holder << "pid " << ::getpid() << " (orgledger " << command << ", since "
         << FormatRfc3339(commands::SystemNowMicros()) << ")\n";
  return engine;
}

Result<std::unique_ptr<ReadOnlyDatabase>> ReadOnlyDatabase::Open(
    const std::string& data) {
  if (!std::filesystem::exists(data + "/CURRENT")) {
    return NotFound("no database at " + data);
  }
  std::unique_ptr<ReadOnlyDatabase> db(new ReadOnlyDatabase());
  db->scratch_ = (std::filesystem::temp_directory_path() /
                  ("orgledger-reader-" + std::to_string(::getpid())))
                     .string();
  Result<std::unique_ptr<eventstore::EventStore>> store =
      eventstore::OpenRocksDbEventStoreReadOnly(eventstore::StoreOptions(),
                                                data, db->scratch_);
  if (!store.ok()) return store.status();
  db->store_ = std::move(*store);
  return db;
}

Result<std::unique_ptr<ReadOnlyDatabase>> ReadOnlyDatabase::Open(
    const Where& where) {
  if (Status s = CheckWhere(where); !s.ok()) return s;
  if (!where.postgres()) return Open(where.data);
  commands::EngineOptions options;
  ApplyWhere(where, &options);
  Result<std::unique_ptr<eventstore::EventStore>> store =
      eventstore::OpenPostgresEventStore(eventstore::StoreOptions(),
                                         commands::PostgresOptionsOf(options));
  if (!store.ok()) return store.status();
  std::unique_ptr<ReadOnlyDatabase> db(new ReadOnlyDatabase());
  db->store_ = std::move(*store);
  return db;
}

ReadOnlyDatabase::~ReadOnlyDatabase() {
  store_.reset();
  std::error_code ignored;
  if (!scratch_.empty()) std::filesystem::remove_all(scratch_, ignored);
}

}  // namespace orgledger::tools
