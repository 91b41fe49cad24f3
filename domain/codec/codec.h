// The persisted encodings of the domain (docs/format.md): event payloads,
// event metadata, organization snapshots and the outcomes kept with
// idempotency keys. Cereal portable binary, every type versioned from its
// first commit; a record written by any released version decodes forever
// (old versions are upcast while loading). Cereal stays inside this target.
//
// Decoding never trusts its input: bytes that do not decode are kCorruption,
// never undefined behaviour.
#ifndef ORGLEDGER_DOMAIN_CODEC_CODEC_H_
#define ORGLEDGER_DOMAIN_CODEC_CODEC_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "domain/commands.h"
#include "domain/decide.h"
#include "domain/events.h"
#include "domain/state.h"
#include "domain/types.h"

namespace orgledger::codec {

// The current schema version of `event`'s type (what EncodeEvent writes).
std::uint32_t SchemaVersion(const domain::Event& event);

// The payload of an event; its type name is domain::EventTypeName(event).
std::string EncodeEvent(const domain::Event& event);

// Decodes the payload of an event of type `type` (any released version).
// kCorruption for an unknown type or bytes that do not decode.
Result<domain::Event> DecodeEvent(std::string_view type,
                                  std::string_view payload);

// What every event carries beside its payload (SPEC §3.2). Position, org,
// stream version and type are the store's.
struct EventMetadata {
  std::uint32_t schema_version = 0;  // of the payload, when written
  domain::Micros recorded_at = 0;
  domain::Actor actor;
  std::string correlation_id;
  std::string causation_id;
  std::string idempotency_key;  // empty when none
  friend bool operator==(const EventMetadata&, const EventMetadata&) = default;
};

std::string EncodeMetadata(const EventMetadata& metadata);
Result<EventMetadata> DecodeMetadata(std::string_view bytes);

// The schema of OrgState snapshots. Bump it whenever OrgState or Evolve
// changes meaning: older snapshots are then discarded and rebuilt.
inline constexpr std::uint32_t kStateSchemaVersion = 2;

// A snapshot: the state (with its version) under kStateSchemaVersion.
std::string EncodeState(const domain::OrgState& state);
// kCorruption when the bytes do not decode; kNotFound when they were written
// under another kStateSchemaVersion (discard and rebuild).
Result<domain::OrgState> DecodeState(std::string_view bytes);

// The outcome of a command, as kept with its idempotency key (SPEC §3.1):
// everything a replay returns. Never a link token.
struct KeptOutcome {
  std::string code;  // "" when accepted, else a SPEC §3.3 code name
  std::string message;
  std::vector<domain::Violation> violations;
  std::uint64_t position = 0;
  std::uint64_t version = 0;
  struct EventRef {
    std::string type;
    std::uint64_t position = 0;
    friend bool operator==(const EventRef&, const EventRef&) = default;
  };
  std::vector<EventRef> events;
  std::optional<std::string> invite_id;
  friend bool operator==(const KeptOutcome&, const KeptOutcome&) = default;
};

std::string EncodeOutcome(const KeptOutcome& outcome);
Result<KeptOutcome> DecodeOutcome(std::string_view bytes);

// The canonical bytes of a request for its idempotency fingerprint (SPEC
// §3.1): op, org, actor, every field and expected_version; never the key.
// Equal requests give equal bytes within one release.
std::string CanonicalRequest(const domain::CommandEnvelope& request);

}  // namespace orgledger::codec

#endif  // ORGLEDGER_DOMAIN_CODEC_CODEC_H_
