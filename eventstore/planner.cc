#include "eventstore/planner.h"

#include "eventstore/coding.h"
#include "eventstore/record.h"

namespace orgledger::eventstore {
namespace {

constexpr std::size_t kMaxKeyBytes = 1024;
constexpr std::size_t kMaxTypeBytes = 256;

struct StoredOutcome {
  std::string_view fingerprint;
  std::string_view outcome;
  Position first = 0;
  Position last = 0;
  StreamHead head;
};

std::string EncodeOutcome(std::string_view fingerprint,
                          std::string_view outcome, const AppendResult& r) {
  std::string v;
  PutLengthPrefixed(&v, fingerprint);
  PutLengthPrefixed(&v, outcome);
  PutFixed64BE(&v, r.first_position);
  PutFixed64BE(&v, r.last_position);
  PutFixed64BE(&v, r.head.version);
  PutFixed64BE(&v, r.head.position);
  return v;
}

bool DecodeOutcome(std::string_view in, StoredOutcome* out) {
  return GetLengthPrefixed(&in, &out->fingerprint) &&
         GetLengthPrefixed(&in, &out->outcome) &&
         GetFixed64BE(&in, &out->first) && GetFixed64BE(&in, &out->last) &&
         GetFixed64BE(&in, &out->head.version) &&
         GetFixed64BE(&in, &out->head.position) && in.empty();
}

}  // namespace

Result<KeptAppend> DecodeKeptAppend(std::string_view stored) {
  StoredOutcome o;
  if (!DecodeOutcome(stored, &o)) {
    return Corruption("malformed idempotency record");
  }
  KeptAppend kept;
  kept.fingerprint = std::string(o.fingerprint);
  kept.result.first_position = o.first;
  kept.result.last_position = o.last;
  kept.result.head = o.head;
  kept.result.replayed = true;
  kept.result.outcome = std::string(o.outcome);
  return kept;
}

namespace {

bool Holds(const ExpectedVersion& expected, Version actual) {
  switch (expected.kind) {
    case ExpectedVersion::Kind::kAny:
      return true;
    case ExpectedVersion::Kind::kNoStream:
      return actual == 0;
    case ExpectedVersion::Kind::kExact:
      return actual == expected.version;
  }
  return false;
}

std::string Describe(const ExpectedVersion& expected) {
  if (expected.kind == ExpectedVersion::Kind::kNoStream ||
      expected.version == 0) {
    return "no stream";
  }
  return "version " + std::to_string(expected.version);
}

}  // namespace

std::string OutcomeKey(std::string_view stream, std::string_view key) {
  std::string k(stream);
  k.push_back('\0');
  k.append(key);
  return k;
}

Status ValidateAppend(const AppendRequest& request) {
  if (request.stream.empty() || request.stream.size() > kMaxStreamIdBytes ||
      request.stream.find('\0') != std::string::npos) {
    return InvalidArgument("stream id must be 1.." +
                           std::to_string(kMaxStreamIdBytes) +
                           " bytes without NUL");
  }
  for (const EventData& e : request.events) {
    if (e.type.empty() || e.type.size() > kMaxTypeBytes) {
      return InvalidArgument("event type must be 1.." +
                             std::to_string(kMaxTypeBytes) + " bytes");
    }
  }
  if (request.idempotency.has_value()) {
    const std::string& key = request.idempotency->key;
    if (key.empty() || key.size() > kMaxKeyBytes) {
      return InvalidArgument("idempotency key must be 1.." +
                             std::to_string(kMaxKeyBytes) + " bytes");
    }
  }
  return Status::Ok();
}

std::uint64_t AnswerGroup(std::vector<PendingAppend>& group,
                          std::vector<Result<AppendResult>>& results) {
  std::uint64_t ok = 0;
  for (std::size_t i = 0; i < group.size(); ++i) {
    if (results[i].ok()) ok += 1;
    group[i].done(std::move(results[i]));
  }
  return ok;
}

GroupPlanner::GroupPlanner(CommittedState* state, Position last_position,
                           const Hash& last_hash)
    : state_(state) {
  writes_.last_position = last_position;
  writes_.last_hash = last_hash;
}

Result<StreamHead> GroupPlanner::Head(std::string_view stream) {
  if (auto it = writes_.heads.find(stream); it != writes_.heads.end()) {
    return it->second;
  }
  return state_->LoadHead(stream);
}

EventStore::AppendCallback BreakingChain(const AppendRequest& request,
                                         EventStore::AppendCallback done) {
  if (request.chain == nullptr) return done;
  return
      [chain = request.chain, done = std::move(done)](Result<AppendResult> r) {
        if (!r.ok() || r->replayed) chain->broken = true;
        done(std::move(r));
      };
}

Result<AppendResult> GroupPlanner::Plan(const AppendRequest& request) {
  const AppendChain* chain = request.chain.get();
  if (chain != nullptr && (chain->broken || broken_.contains(chain))) {
    return Status(Code::kConcurrencyConflict,
                  "not appended to stream " + request.stream +
                      ": an append it was decided after was not made");
  }
  Result<AppendResult> r = PlanUnchained(request);
  if (chain != nullptr && (!r.ok() || r->replayed)) broken_.insert(chain);
  return r;
}

Result<AppendResult> GroupPlanner::PlanUnchained(const AppendRequest& request) {
  if (Status s = ValidateAppend(request); !s.ok()) return s;

  std::string outcome_key;
  if (request.idempotency.has_value()) {
    outcome_key = OutcomeKey(request.stream, request.idempotency->key);
    std::optional<std::string> stored;
    if (auto it = writes_.outcomes.find(outcome_key);
        it != writes_.outcomes.end()) {
      stored = it->second;
    } else {
      Result<std::optional<std::string>> loaded =
          state_->LoadOutcome(outcome_key);
      if (!loaded.ok()) return loaded.status();
      stored = std::move(*loaded);
    }
    if (stored.has_value()) {
      Result<KeptAppend> kept = DecodeKeptAppend(*stored);
      if (!kept.ok()) {
        return Corruption("malformed idempotency record for stream " +
                          request.stream);
      }
      if (kept->fingerprint != request.idempotency->fingerprint) {
        return Status(Code::kIdempotencyConflict,
                      "idempotency key was already used with a different "
                      "request");
      }
      return std::move(kept->result);
    }
  }

  Result<StreamHead> head = Head(request.stream);
  if (!head.ok()) return head.status();
  if (!Holds(request.expected, head->version)) {
    return Status(Code::kConcurrencyConflict,
                  "expected " + Describe(request.expected) + " of stream " +
                      request.stream + " but it is at version " +
                      std::to_string(head->version));
  }

  AppendResult result;
  StreamHead next = *head;
  for (const EventData& event : request.events) {
    const Position position = writes_.last_position + 1;
    next.version += 1;
    next.position = position;
    std::string body =
        EncodeBody(position, request.stream, next.version, event);
    const Hash hash = ChainHash(writes_.last_hash, body);
    writes_.records.push_back(PlannedRecord{
        position, request.stream, next.version, EncodeRecord(hash, body)});
    writes_.last_position = position;
    writes_.last_hash = hash;
    if (result.first_position == 0) result.first_position = position;
    result.last_position = position;
  }
  result.head = next;
  if (!request.events.empty()) writes_.heads[request.stream] = next;
  for (const auto& [key, value] : request.key_rows) {
    writes_.key_rows[key] = value;
  }
  if (request.idempotency.has_value()) {
    writes_.outcomes[outcome_key] = EncodeOutcome(
        request.idempotency->fingerprint, request.idempotency->outcome, result);
  }
  return result;
}

}  // namespace orgledger::eventstore
