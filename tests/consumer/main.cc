// A host in a dozen lines: open an engine, create an organization, invite
// a billing manager, accept, and check the outcomes. Exit 0 on success.
#include <cstdio>
#include <string>

#include "commands/engine.h"

int main(int argc, char** argv) {
  using namespace orgledger;
  if (argc != 2) {
    std::fprintf(stderr, "usage: consumer DATA_DIR\n");
    return 2;
  }
  commands::EngineOptions options;
  options.data_dir = argv[1];
  Result<std::unique_ptr<commands::Engine>> engine =
      commands::Engine::Open(options);
  if (!engine.ok()) {
    std::fprintf(stderr, "open: %s\n", engine.status().ToString().c_str());
    return 1;
  }
  auto request = [](const domain::Actor& actor, domain::Command command) {
    commands::CommandRequest r;
    r.envelope.org = "acme";
    r.envelope.actor = actor;
    r.envelope.command = std::move(command);
    return r;
  };
  const domain::Actor admin =
      domain::Actor::Person("u-admin", "admin@example.com", "Admin");
  const domain::Actor bill =
      domain::Actor::Person("u-bill", "bill@example.com", "Bill");
  commands::CommandOutcome created =
      (*engine)->Execute(request(admin, domain::CreateOrganization{"team"}));
  commands::CommandOutcome invited = (*engine)->Execute(
      request(admin, domain::InviteBillingManager{"bill@example.com"}));
  commands::CommandOutcome accepted = (*engine)->Execute(
      request(bill, domain::AcceptInvite{invited.invite_id, std::nullopt}));
  if (!created.ok() || !invited.ok() || !accepted.ok() ||
      accepted.version != 3 || accepted.events.size() != 1 ||
      accepted.events[0].type != "InviteAccepted") {
    std::fprintf(stderr, "unexpected outcome: %s / %s / %s\n",
                 created.error.ToString().c_str(),
                 invited.error.ToString().c_str(),
                 accepted.error.ToString().c_str());
    return 1;
  }
  std::printf("consumer: accepted at position %llu, version %llu\n",
              static_cast<unsigned long long>(accepted.position),
              static_cast<unsigned long long>(accepted.version));
  return 0;
}
