// What a crash_child process said on stdout (tests/crash/crash_child.cc's
// lines), for the PostgreSQL crash and failover tests, and the command it
// sent, for re-sending one with its key.
#ifndef ORGLEDGER_TESTS_CRASH_CHILD_SAID_H_
#define ORGLEDGER_TESTS_CRASH_CHILD_SAID_H_

#include <map>
#include <sstream>
#include <string>

#include "commands/engine.h"

namespace orgledger::testing {

// The actor of every command crash_child sends.
inline const domain::Actor& ChildAdmin() {
  static const domain::Actor admin =
      domain::Actor::Person("u-admin", "admin@example.com", "Admin");
  return admin;
}

// Acknowledged keys, keys refused after every retry lost a race
// (concurrency_conflict: nothing appended), keys sent without an answer;
// and how many answers were unavailable (failover: sent again).
struct Said {
  std::map<std::string, std::string> acked;  // key -> org
  std::map<std::string, std::string> lost;   // key -> org
  std::map<std::string, std::string> open;   // key -> org
  int unavailable = 0;
};

inline Said ParseSaid(const std::string& out) {
  Said said;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string verb, org, key;
    words >> verb >> org >> key;
    if (verb == "send") said.open[key] = org;
    if (verb == "unavailable") said.unavailable += 1;
    if (verb == "ack") {
      said.open.erase(key);
      said.acked[key] = org;
    }
    if (verb == "conflict") {
      said.open.erase(key);
      said.lost[key] = org;
    }
  }
  return said;
}

// The command crash_child sent with `key` on `org`, again.
inline commands::CommandRequest ChildCommand(const std::string& org,
                                             const std::string& key) {
  commands::CommandRequest r;
  r.envelope.org = org;
  r.envelope.actor = ChildAdmin();
  r.envelope.command = domain::CreateTeam{key, "Team"};
  r.idempotency_key = key;
  return r;
}

}  // namespace orgledger::testing

#endif  // ORGLEDGER_TESTS_CRASH_CHILD_SAID_H_
