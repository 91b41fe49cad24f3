#include "commands/outcome.h"

#include <openssl/sha.h>

#include "domain/events.h"
#include "domain/validation.h"
#include "privacy/sealing.h"

namespace orgledger::commands {

codec::KeptOutcome KeepableOutcome(const domain::Decision& decision) {
  codec::KeptOutcome kept;
  if (!decision.error.ok()) {
    kept.code = std::string(CodeName(decision.error.code()));
    kept.message = decision.error.message();
    kept.violations = decision.violations;
  }
  for (const domain::Event& e : decision.events) {
    kept.events.push_back({std::string(domain::EventTypeName(e)), 0});
  }
  kept.invite_id = decision.invite_id;
  return kept;
}

Status SealKept(privacy::PersonKeys& keys, const std::string& org,
                const domain::CommandEnvelope& envelope,
                codec::KeptOutcome* kept,
                std::map<std::string, std::string>* key_rows) {
  if (kept->message.empty()) return Status::Ok();
  const std::string* email = std::visit(
      [](const auto& c) -> const std::string* {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, domain::InviteMember> ||
                      std::is_same_v<T, domain::InviteBillingManager>) {
          return &c.email;
        } else {
          return nullptr;
        }
      },
      envelope.command);
  if (email == nullptr || email->empty()) return Status::Ok();
  // Only a message that quotes the address is about the person.
  if (domain::NormalizeEmail(kept->message)
          .find(domain::NormalizeEmail(*email)) == std::string::npos) {
    return Status::Ok();
  }
  return privacy::SealText(keys, org, *email, kept->message, key_rows);
}

namespace {

// Fills positions from the store's answer: the events are consecutive from
// first_position.
void FillPositions(const eventstore::AppendResult& appended,
                   std::vector<EventRef>* events, CommandOutcome* out) {
  eventstore::Position p = appended.first_position;
  for (EventRef& e : *events) e.position = p++;
  if (!out->error.ok()) {
    // Only a recorded acceptance failure has a position (SPEC §1.4).
    out->position = appended.first_position;
    return;
  }
  out->position = appended.last_position != 0 ? appended.last_position
                                              : appended.head.position;
  out->version = appended.head.version;
}

}  // namespace

CommandOutcome OutcomeOf(const domain::Decision& decision,
                         const eventstore::AppendResult& appended) {
  CommandOutcome out;
  out.error = decision.error;
  out.violations = decision.violations;
  for (const domain::Event& e : decision.events) {
    out.events.push_back({std::string(domain::EventTypeName(e)), 0});
  }
  FillPositions(appended, &out.events, &out);
  if (!out.error.ok()) out.events.clear();
  out.invite_id = decision.invite_id;
  if (out.error.ok()) out.token = decision.token;
  return out;
}

CommandOutcome ReplayedOutcome(const codec::KeptOutcome& kept,
                               const eventstore::AppendResult& appended) {
  CommandOutcome out;
  if (!kept.code.empty()) {
    std::optional<Code> code = CodeFromName(kept.code);
    out.error = Status(code.value_or(Code::kInternal), kept.message);
    out.violations = kept.violations;
  }
  for (const auto& e : kept.events) out.events.push_back({e.type, 0});
  FillPositions(appended, &out.events, &out);
  if (!out.error.ok()) out.events.clear();
  out.invite_id = kept.invite_id;
  out.replayed = true;
  return out;
}

CommandOutcome Rejected(Status error) {
  CommandOutcome out;
  out.error = std::move(error);
  return out;
}

bool KeptRejection(Code code) {
  return code != Code::kUnavailable && code != Code::kConcurrencyConflict;
}

std::string Fingerprint(const domain::CommandEnvelope& envelope) {
  const std::string bytes = codec::CanonicalRequest(envelope);
  std::string digest(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         reinterpret_cast<unsigned char*>(digest.data()));
  return digest;
}

}  // namespace orgledger::commands
