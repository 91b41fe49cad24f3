// Between a decision, what the store answered, the outcome kept with an
// idempotency key (codec::KeptOutcome) and the outcome a caller gets.
#ifndef ORGLEDGER_COMMANDS_OUTCOME_H_
#define ORGLEDGER_COMMANDS_OUTCOME_H_

#include <map>
#include <string>

#include "commands/engine.h"
#include "domain/codec/codec.h"
#include "domain/decide.h"
#include "eventstore/event_store.h"
#include "privacy/person_keys.h"

namespace orgledger::commands {

// What is kept with a key before the store assigns positions: the code,
// message, violations, invite id and event types. Never a token.
codec::KeptOutcome KeepableOutcome(const domain::Decision& decision);

// Seals `kept`'s message with the key of the email `envelope`'s command
// names (an invitation's: what a rejection's message may quote), when it
// names one (SPEC §10).
Status SealKept(privacy::PersonKeys& keys, const std::string& org,
                const domain::CommandEnvelope& envelope,
                codec::KeptOutcome* kept,
                std::map<std::string, std::string>* key_rows);

// The outcome of a decision whose append returned `appended`.
CommandOutcome OutcomeOf(const domain::Decision& decision,
                         const eventstore::AppendResult& appended);

// The outcome of a replayed key: the kept blob, with the positions the
// store kept beside it. replayed = true, never a token.
CommandOutcome ReplayedOutcome(const codec::KeptOutcome& kept,
                               const eventstore::AppendResult& appended);

// A rejection that touched nothing.
CommandOutcome Rejected(Status error);

// Whether a rejection with `code` is kept with its idempotency key (SPEC
// §3.1: every one but unavailable and concurrency_conflict).
bool KeptRejection(Code code);

// The fingerprint of a request (SPEC §3.1): SHA-256 of its canonical bytes.
std::string Fingerprint(const domain::CommandEnvelope& envelope);

}  // namespace orgledger::commands

#endif  // ORGLEDGER_COMMANDS_OUTCOME_H_
