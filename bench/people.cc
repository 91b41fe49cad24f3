#include "bench/people.h"

#include <utility>

namespace orgledger::bench {

std::string Org(long i) { return "org-" + std::to_string(i); }

domain::Actor Admin(long i) {
  const std::string n = std::to_string(i);
  return domain::Actor::Person("u-admin-" + n, "admin" + n + "@example.com",
                               "Admin " + n);
}

domain::Actor Biller(long i) {
  const std::string n = std::to_string(i);
  return domain::Actor::Person("u-bill-" + n, "billing" + n + "@example.com",
                               "Billing " + n);
}

domain::Actor Person(long i, int n) {
  const std::string id = std::to_string(i) + "-" + std::to_string(n);
  return domain::Actor::Person("u-" + id, "p" + id + "@example.com",
                               "Person " + id);
}

commands::CommandRequest Request(long org, const domain::Actor& actor,
                                 domain::Command command) {
  commands::CommandRequest r;
  r.envelope.org = Org(org);
  r.envelope.actor = actor;
  r.envelope.command = std::move(command);
  return r;
}

}  // namespace orgledger::bench
