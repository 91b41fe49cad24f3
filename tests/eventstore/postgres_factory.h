// The PostgreSQL backend for the event-store suites: each factory gets a
// database of its own on the binary's private server
// (tests/testing/postgres_server.h) and a local directory for the
// projections' state; a second Open() reopens the same ones, as a restart.
#ifndef ORGLEDGER_TESTS_EVENTSTORE_POSTGRES_FACTORY_H_
#define ORGLEDGER_TESTS_EVENTSTORE_POSTGRES_FACTORY_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "eventstore/postgres/postgres_event_store.h"
#include "tests/testing/postgres_server.h"
#include "tests/testing/test_dir.h"

namespace orgledger::eventstore {

struct PostgresStoreFactory {
  static constexpr bool kDurable = true;
  std::unique_ptr<EventStore> Open(const StoreOptions& o = {},
                                   PostgresOptions p = {}) {
    if (url.empty()) {
      testing::PostgresServer* server = testing::PostgresServer::Shared();
      if (server == nullptr) return nullptr;
      url = server->NewDatabase();
    }
    p.url = url;
    p.state_dir = dir.Sub("state");
    auto store = OpenPostgresEventStore(o, p);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }
  std::string url;
  testing::TestDir dir;
};

}  // namespace orgledger::eventstore

#endif  // ORGLEDGER_TESTS_EVENTSTORE_POSTGRES_FACTORY_H_
