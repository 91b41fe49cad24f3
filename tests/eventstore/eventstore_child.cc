// The child process of the process tests: appends with sync durability and
// acknowledges each append on stdout, one line per acknowledged append:
//   <position> <stream> <version> <payload>
// It prints "ready" once the store is open, and runs until killed.
//
//   eventstore_child append DIR TAG
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "eventstore/event_store.h"
#include "eventstore/rocksdb_event_store.h"
#include "tests/testing/child_output.h"

namespace es = orgledger::eventstore;

using orgledger::testing::WriteLine;

int main(int argc, char** argv) {
  if (argc != 4 || std::string(argv[1]) != "append") {
    std::fprintf(stderr, "usage: eventstore_child append DIR TAG\n");
    return 2;
  }
  // A test may attach gdb to take its stacks (where Yama allows only
  // ancestors to attach; tests/testing/child_process_test.cc).
  ::prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
  const std::string tag = argv[3];
  auto store = es::OpenRocksDbEventStore(es::StoreOptions(), argv[2]);
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.status().ToString().c_str());
    return 3;
  }
  WriteLine("ready");
  for (long i = 0;; ++i) {
    es::AppendRequest r;
    r.stream = tag + "-" + std::to_string(i % 8);
    r.expected = es::ExpectedVersion::Any();
    const std::string payload = tag + "#" + std::to_string(i);
    r.events.push_back(es::EventData{"E", "m", payload});
    if (i % 5 == 0) r.events.push_back(es::EventData{"F", "m", payload + "b"});
    auto result = (*store)->Append(std::move(r));
    if (!result.ok()) {
      std::fprintf(stderr, "append: %s\n", result.status().ToString().c_str());
      return 3;
    }
    WriteLine(std::to_string(result->first_position) + " " + tag + "-" +
              std::to_string(i % 8) + " " +
              std::to_string(result->head.version - (i % 5 == 0 ? 1 : 0)) +
              " " + payload);
  }
}
