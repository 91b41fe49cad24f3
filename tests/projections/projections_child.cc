// The child process of the projection crash tests: runs commands through an
// engine (sync durability) and acknowledges each accepted one on stdout,
//   ack <org> <version>
// while, in mode "rebuild", another thread rebuilds every projection over
// and over. It prints "ready" once the engine is open and runs until killed.
//
//   projections_child write|rebuild DIR TAG
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>

#include "commands/engine.h"
#include "tests/testing/child_output.h"

namespace {

using namespace orgledger;

using testing::WriteLine;

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: projections_child write|rebuild DIR TAG\n");
    return 2;
  }
  const std::string mode = argv[1];
  const std::string tag = argv[3];
  commands::EngineOptions options;
  options.data_dir = argv[2];
  auto engine = commands::Engine::Open(options);
  if (!engine.ok()) {
    std::fprintf(stderr, "open: %s\n", engine.status().ToString().c_str());
    return 3;
  }
  std::thread rebuilder;
  if (mode == "rebuild") {
    rebuilder = std::thread([&] {
      for (;;) (void)(*engine)->projections().Rebuild("", nullptr);
    });
  }
  WriteLine("ready");
  const domain::Actor admin =
      domain::Actor::Person("u-admin", "admin@example.com", "Admin");
  for (long i = 0;; ++i) {
    commands::CommandRequest r;
    r.envelope.org = tag + "-" + std::to_string(i % 16);
    r.envelope.actor = admin;
    if (i < 16) {
      r.envelope.command = domain::CreateOrganization{"enterprise"};
    } else {
      r.envelope.command = domain::CreateTeam{"t" + std::to_string(i), "Team"};
    }
    commands::CommandOutcome o = (*engine)->Execute(std::move(r));
    if (!o.ok()) {
      std::fprintf(stderr, "command: %s\n", o.error.ToString().c_str());
      return 3;
    }
    WriteLine("ack " + tag + "-" + std::to_string(i % 16) + " " +
              std::to_string(o.version));
  }
}
