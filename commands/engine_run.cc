// One command's steps on its organization's state: admit the request,
// decide, build the append (sealed, with its kept outcome), hand it to the
// store, and answer once it is made (engine_impl.h).
#include <spdlog/logger.h>

#include <boost/asio/post.hpp>
#include <utility>
#include <variant>

#include "commands/engine_impl.h"
#include "commands/outcome.h"
#include "commands/system_context.h"
#include "domain/validation.h"
#include "privacy/sealing.h"

namespace orgledger::commands {

Status EngineImpl::Admit(Running& run) {
  const std::optional<std::string>& key = run.request.idempotency_key;
  if (const std::string& id = run.request.correlation_id; !id.empty()) {
    if (Status s = domain::ValidateCorrelationId(id); !s.ok()) return s;
  }
  // A key is only kept for a request the store can scope it to.
  if (key.has_value()) {
    if (Status s = domain::ValidateIdempotencyKey(*key); !s.ok()) return s;
    if (run.fingerprint.empty() &&
        domain::ValidateSlug("org", run.request.envelope.org).ok()) {
      run.fingerprint = Fingerprint(run.request.envelope);
    }
  }
  return Status::Ok();
}

bool EngineImpl::Keeps(const Running& run, const domain::Decision& decision) {
  return run.request.idempotency_key.has_value() && !run.fingerprint.empty() &&
         (decision.accepted() || decision.recorded_failure() ||
          KeptRejection(decision.error.code()));
}

void EngineImpl::Run(const std::shared_ptr<Running>& run) {
  const domain::CommandEnvelope& envelope = run->request.envelope;
  const std::optional<std::string>& key = run->request.idempotency_key;

  if (Status s = Admit(*run); !s.ok()) {
    return Finish(run, Rejected(std::move(s)));
  }

  // A create of an organization not in the cache is decided on the empty
  // state without a read: its append expects a new stream, which the
  // store checks; a conflict, or any decision but an acceptance, is
  // decided again on the state read from the store.
  const bool guess_new =
      !run->guessed &&
      std::holds_alternative<domain::CreateOrganization>(envelope.command);
  run->guessing = false;
  Result<CachedOrg> loaded =
      run->behind.has_value()
          ? CatchUp(run->org, *std::exchange(run->behind, std::nullopt))
          : Load(run->org, guess_new, &run->guessing);
  run->guessed = run->guessed || run->guessing;
  if (!loaded.ok()) return Finish(run, StorageFailure(loaded.status()));
  // A state not put back (a failed append) gives back its cache charge.
  std::shared_ptr<CachedOrg> entry(new CachedOrg(std::move(*loaded)),
                                   [this](CachedOrg* e) {
                                     cache_.Release(*e);
                                     delete e;
                                   });

  domain::Context& context = *options_.context;
  auto decision = std::make_shared<domain::Decision>(
      domain::Decide(entry->state, envelope, context));

  if (run->guessing && !decision->accepted()) return Run(run);

  const bool keep = Keeps(*run, *decision);
  // A decision that reaches the store with its key has the key checked
  // there, atomically with the append (a used key is answered as
  // `replayed`): no lookup before. One that does not is looked up here.
  if (!keep && !run->fingerprint.empty()) {
    Result<std::optional<eventstore::KeptAppend>> found =
        store_->FindIdempotencyKey(envelope.org, *key);
    if (!found.ok()) return Finish(run, StorageFailure(found.status()));
    if (found->has_value()) {
      cache_.Put(run->org, std::move(*entry));  // unchanged, still good
      return Finish(run, Replay(run, **found));
    }
  }
  if (!decision->accepted() && !decision->recorded_failure() && !keep) {
    // Nothing is appended, so no expected version catches a state another
    // process moved on: on a shared store the head is checked instead.
    if (store_->shared()) {
      Result<eventstore::StreamHead> head = store_->GetStreamHead(run->org);
      if (!head.ok()) return Finish(run, StorageFailure(head.status()));
      if (head->version != entry->state.version) {
        return DecideAgain(run, entry.get());
      }
    }
    cache_.Put(run->org, std::move(*entry));
    return Finish(run, OutcomeOf(*decision, eventstore::AppendResult{}));
  }
  if (decision->events.empty() && !keep) {
    // A no-op: nothing to write; answer with the organization's head.
    Result<eventstore::StreamHead> head = store_->GetStreamHead(run->org);
    if (head.ok() && head->version != entry->state.version) {
      // decided on a state another process moved
      return DecideAgain(run, entry.get());
    }
    cache_.Put(run->org, std::move(*entry));
    if (!head.ok()) return Finish(run, StorageFailure(head.status()));
    eventstore::AppendResult none;
    none.head = *head;
    return Finish(run, OutcomeOf(*decision, none));
  }

  eventstore::AppendRequest append;
  privacy::KeyRows key_rows;
  if (Status s =
          BuildAppend(*run, entry->state, *decision, keep, &append, &key_rows);
      !s.ok()) {
    return Finish(run, StorageFailure(s));
  }
  // Commands of the organization queued behind this one are decided on
  // the state it leaves and appended with it (RunBatch).
  if (!run->on_caller && !run->guessing) {
    std::vector<Pending> followers = TakeFollowers(run->org);
    if (!followers.empty()) {
      return RunBatch(run, std::move(entry), std::move(*decision),
                      std::move(append), std::move(key_rows),
                      std::move(followers));
    }
  }
  privacy::PersonKeys& keys = keys_;
  // The new keys and links are durable once the records are: not added
  // to later appends.
  // Never on the store's thread, which every group commit waits for.
  auto confirm =
      [&keys, rows = std::make_shared<privacy::KeyRows>(std::move(key_rows))](
          const Result<eventstore::AppendResult>& r) {
        if (r.ok() && !r->replayed && !rows->empty()) keys.Confirm(*rows);
      };
  if (run->on_caller) {
    const Result<eventstore::AppendResult> r =
        store_->Append(std::move(append));
    confirm(r);
    return Appended(run, entry, *decision, r);
  }
  store_->AsyncAppend(
      std::move(append), [this, run, entry, decision,
                          confirm](Result<eventstore::AppendResult> r) {
        boost::asio::post(
            pool_, [this, run, entry, decision, confirm, r = std::move(r)] {
              confirm(r);
              Appended(run, entry, *decision, r);
            });
      });
}

Status EngineImpl::BuildAppend(const Running& run,
                               const domain::OrgState& state,
                               const domain::Decision& decision, bool keep,
                               eventstore::AppendRequest* append,
                               privacy::KeyRows* key_rows) {
  const domain::CommandEnvelope& envelope = run.request.envelope;
  append->stream = run.org;
  append->expected = eventstore::ExpectedVersion::Exact(state.version);
  const std::string causation = "cmd_" + RandomBase64Url(12);
  privacy::PersonKeys& keys = keys_;
  codec::EventMetadata meta;
  meta.recorded_at = options_.context->Now();
  meta.actor = envelope.actor;
  if (Status s = privacy::SealActor(keys, run.org, meta.actor, key_rows);
      !s.ok()) {
    return s;
  }
  meta.correlation_id = run.request.correlation_id.empty()
                            ? causation
                            : run.request.correlation_id;
  meta.causation_id = causation;
  meta.idempotency_key = run.request.idempotency_key.value_or("");
  for (const domain::Event& e : decision.events) {
    domain::Event sealed = e;
    if (Status s = privacy::SealEvent(keys, run.org, state, envelope.actor,
                                      sealed, key_rows);
        !s.ok()) {
      return s;
    }
    meta.schema_version = codec::SchemaVersion(e);
    append->events.push_back({std::string(domain::EventTypeName(e)),
                              codec::EncodeMetadata(meta),
                              codec::EncodeEvent(sealed)});
  }
  if (keep) {
    codec::KeptOutcome kept = KeepableOutcome(decision);
    if (Status s = SealKept(keys, run.org, envelope, &kept, key_rows);
        !s.ok()) {
      return s;
    }
    append->idempotency = eventstore::IdempotencyInput{
        *run.request.idempotency_key, run.fingerprint,
        codec::EncodeOutcome(kept)};
  }
  append->key_rows.assign(key_rows->begin(), key_rows->end());
  return Status::Ok();
}

void EngineImpl::DecideAgain(const std::shared_ptr<Running>& run,
                             CachedOrg* stale) {
  if (run->attempt < options_.max_retries) {
    ++run->attempt;
    run->behind = Behind(*stale);
    return Run(run);
  }
  Finish(run, Rejected(Status(Code::kConcurrencyConflict,
                              "the organization kept changing on other "
                              "replicas; try again")));
}

void EngineImpl::Appended(const std::shared_ptr<Running>& run,
                          const std::shared_ptr<CachedOrg>& entry,
                          const domain::Decision& decision,
                          const Result<eventstore::AppendResult>& r) {
  if (!r.ok()) {
    if (r.status().code() == Code::kConcurrencyConflict && run->guessing) {
      return Run(run);  // the organization exists: read it, decide again
    }
    // The cached state is not trusted after a failure: reload next time.
    if (r.status().code() == Code::kConcurrencyConflict &&
        run->attempt < options_.max_retries) {
      ++run->attempt;
      run->behind = Behind(*entry);
      return Run(run);
    }
    if (r.status().code() == Code::kConcurrencyConflict) {
      return Finish(run, Rejected(r.status()));
    }
    if (r.status().code() == Code::kIdempotencyConflict) {
      return Finish(run, Rejected(KeyConflict(run)));
    }
    return Finish(run, StorageFailure(r.status()));
  }
  if (r->replayed) {
    // Another try with the same key won the race; its state is on disk.
    // The state it was decided on is unchanged: still good to cache,
    // unless it was guessed (the organization exists).
    if (!run->guessing) cache_.Put(run->org, std::move(*entry));
    Result<codec::KeptOutcome> kept = OpenKept(r->outcome);
    if (!kept.ok()) return Finish(run, StorageFailure(kept.status()));
    return Finish(run, ReplayedOutcome(*kept, *r));
  }
  eventstore::Version version = entry->state.version;
  for (const domain::Event& e : decision.events) {
    entry->state = domain::Evolve(std::move(entry->state), e);
    entry->state.version = ++version;
  }
  MaybeSnapshot(run->org, entry.get());
  cache_.Put(run->org, std::move(*entry));
  Finish(run, OutcomeOf(decision, *r));
}

CommandOutcome EngineImpl::Replay(const std::shared_ptr<Running>& run,
                                  const eventstore::KeptAppend& found) {
  if (found.fingerprint != run->fingerprint) {
    return Rejected(KeyConflict(run));
  }
  Result<codec::KeptOutcome> kept = OpenKept(found.result.outcome);
  if (!kept.ok()) return StorageFailure(kept.status());
  return ReplayedOutcome(*kept, found.result);
}

Result<codec::KeptOutcome> EngineImpl::OpenKept(std::string_view bytes) {
  Result<codec::KeptOutcome> kept = codec::DecodeOutcome(bytes);
  if (!kept.ok()) return kept;
  if (Status s = privacy::OpenText(keys_, kept->message); !s.ok()) {
    return s;
  }
  return kept;
}

Status EngineImpl::KeyConflict(const std::shared_ptr<Running>& run) {
  return Status(Code::kIdempotencyConflict,
                "idempotency key " + *run->request.idempotency_key +
                    " was already used with a different request");
}

CommandOutcome EngineImpl::StorageFailure(const Status& s) {
  if (options_.logger)
    options_.logger->error("command failed: {}", s.ToString());
  if (s.code() == Code::kUnavailable) return Rejected(s);
  return Rejected(Unavailable("storage failure: " + s.message()));
}

}  // namespace orgledger::commands
