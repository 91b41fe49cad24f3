#include "tools/inspect.h"

#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "base/time.h"
#include "commands/system_context.h"
#include "projections/projection_set.h"
#include "tools/anchor/signed_anchor.h"
#include "tools/database.h"
#include "tools/wire/event_json.h"

namespace orgledger::tools {

int RunHead(const Where& where, const std::string& sign_key) {
  auto db = ReadOnlyDatabase::Open(where);
  if (!db.ok()) return Fail(db.status());
  auto head = (*db)->store().Head();
  if (!head.ok()) return Fail(head.status());
  const std::string hash = eventstore::HashToHex(head->hash);
  if (sign_key.empty()) {
    std::cout << "{\"position\":" << head->position << ",\"hash\":\"" << hash
              << "\"}\n";
    return kExitOk;
  }
  if (head->position == 0) {
    return Fail(InvalidArgument("the log is empty: nothing to anchor yet"));
  }
  const std::string now = FormatRfc3339(commands::SystemNowMicros());
  Result<anchor::SignedAnchor> signed_anchor =
      anchor::Sign(head->position, hash, now, sign_key);
  if (!signed_anchor.ok()) return Fail(signed_anchor.status());
  std::cout << anchor::ToJson(*signed_anchor) << "\n";
  return kExitOk;
}

int RunKeygen(const std::string& out) {
  Result<std::string> fingerprint = anchor::GenerateKeyPair(out);
  if (!fingerprint.ok()) return Fail(fingerprint.status());
  std::cout << "keygen: private key " << out << " (keep it secret), public key "
            << out << ".pub, fingerprint " << *fingerprint << "\n";
  return kExitOk;
}

namespace {

struct Anchor {
  std::uint64_t position = 0;
  eventstore::Hash hash{};
};

// --anchor POSITION:HASH, as `orgledger head` prints them.
Result<Anchor> ParseAnchorFlag(const std::string& flag) {
  const std::size_t colon = flag.find(':');
  if (colon != std::string::npos) {
    std::optional<eventstore::Hash> hash =
        eventstore::HashFromHex(flag.substr(colon + 1));
    std::uint64_t position = 0;
    try {
      position = std::stoull(flag.substr(0, colon));
    } catch (...) {
      hash.reset();
    }
    if (hash.has_value() && position > 0) return Anchor{position, *hash};
  }
  return InvalidArgument(
      "--anchor must be POSITION:HASH (from orgledger head)");
}

// Checks that the log still holds the anchor's record: same position, same
// chain hash. False with a line on stdout when it does not.
Result<bool> LogReaches(eventstore::EventStore& store, const Anchor& anchor) {
  auto records = store.ReadAll(anchor.position, 1);
  if (!records.ok()) return records.status();
  if (records->empty() || records->front().position != anchor.position) {
    std::cout << "verify: FAILED at position " << anchor.position
              << ": the log no longer reaches the anchor (cut off)\n";
    return false;
  }
  if (records->front().hash != anchor.hash) {
    std::cout << "verify: FAILED at position " << anchor.position
              << ": the chain hash differs from the anchor\n";
    return false;
  }
  return true;
}

// Damage found on the way (a file RocksDB cannot read, a row that does not
// decode) fails the check like damage the check itself finds: exit 1.
int VerifyFailed(const Status& s) {
  if (s.code() != Code::kCorruption) return Fail(s);
  std::cout << "verify: FAILED: " << s.message() << "\n";
  return kExitCheckFailed;
}

// Prints the events from *at to the committed position (or o.to) that
// `o` selects, and moves *at past them.
Status PrintFrom(eventstore::EventStore& store, const ReplayOptions& o,
                 std::optional<UnixMicros> since,
                 std::optional<UnixMicros> until, eventstore::Position* at) {
  eventstore::Position& next = *at;
  const eventstore::Position end = store.CommittedPosition();
  privacy::PersonKeys& keys = privacy::KeysOf(store);
  while (next <= end && (o.to == 0 || next <= o.to)) {
    auto batch = store.ReadAll(next, 4096);
    if (!batch.ok()) return batch.status();
    if (batch->empty()) break;
    for (const eventstore::RecordedEvent& r : *batch) {
      next = r.position + 1;
      if (o.to != 0 && r.position > o.to) break;
      if (!o.org.empty() && r.stream != o.org) continue;
      if (!o.type.empty() && r.type != o.type) continue;
      auto e = projections::DecodeProjected(r, keys);
      if (!e.ok()) return e.status();
      if (since && e->meta.recorded_at < *since) continue;
      if (until && e->meta.recorded_at > *until) continue;
      if (!o.actor.empty()) {
        const domain::Actor& a = e->meta.actor;
        const std::string who = a.system ? "system:" + a.service : a.id;
        if (who != o.actor) continue;
      }
      if (o.format == "json") {
        std::cout << boost::json::serialize(wire::EventToJson(*e)) << "\n";
      } else {
        std::cout << wire::EventToText(*e) << "\n";
      }
    }
  }
  return Status::Ok();
}

}  // namespace

int RunVerify(const VerifyOptions& options) {
  if (options.projections && options.where.postgres() &&
      options.where.data.empty()) {
    return Fail(InvalidArgument(
        "verify --projections on a PostgreSQL store needs --data DIR: the "
        "state directory of the replica whose projections to check"));
  }
  auto db = ReadOnlyDatabase::Open(options.where);
  if (!db.ok()) return VerifyFailed(db.status());
  eventstore::EventStore& store = (*db)->store();
  auto report = store.Verify(1, 0);
  if (!report.ok()) return VerifyFailed(report.status());
  if (!report->ok) {
    std::cout << "verify: FAILED at position " << report->first_bad << ": "
              << report->problem << "\n";
    return kExitCheckFailed;
  }
  std::cout << "verify: log ok, " << report->records << " records, through "
            << report->verified_through << "\n";
  if (!options.anchor.empty()) {
    Result<Anchor> anchor = ParseAnchorFlag(options.anchor);
    if (!anchor.ok()) return Fail(anchor.status());
    Result<bool> anchored = LogReaches(store, *anchor);
    if (!anchored.ok()) return VerifyFailed(anchored.status());
    if (!*anchored) return kExitCheckFailed;
    std::cout << "verify: anchor " << anchor->position << " ok\n";
  }
  if (!options.anchor_file.empty()) {
    Result<std::string> text = ReadFile(options.anchor_file);
    if (!text.ok()) return Fail(text.status());
    Result<anchor::SignedAnchor> signed_anchor = anchor::FromJson(*text);
    if (!signed_anchor.ok()) {
      return Fail(InvalidArgument(options.anchor_file + ": " +
                                  signed_anchor.status().message()));
    }
    Result<std::optional<std::string>> problem =
        anchor::CheckSignature(*signed_anchor, options.public_key);
    if (!problem.ok()) return Fail(problem.status());
    if (problem->has_value()) {
      std::cout << "verify: FAILED anchor " << options.anchor_file << ": "
                << **problem << "\n";
      return kExitCheckFailed;
    }
    const std::optional<eventstore::Hash> hash =
        eventstore::HashFromHex(signed_anchor->hash);
    if (!hash.has_value()) {
      return Fail(InvalidArgument(options.anchor_file +
                                  ": the anchor's hash is not 64 hex digits"));
    }
    Result<bool> anchored =
        LogReaches(store, Anchor{signed_anchor->position, *hash});
    if (!anchored.ok()) return VerifyFailed(anchored.status());
    if (!*anchored) return kExitCheckFailed;
    std::cout << "verify: anchor " << signed_anchor->position << " of "
              << signed_anchor->time << ", signed by " << signed_anchor->key
              << ", ok\n";
  }
  if (options.projections) {
    projections::ProjectionOptions popts;
    popts.follow = false;
    auto set = projections::ProjectionSet::Open(&store, popts);
    if (!set.ok()) return VerifyFailed(set.status());
    auto reports = (*set)->Verify();
    if (!reports.ok()) return VerifyFailed(reports.status());
    bool ok = true;
    for (const auto& r : *reports) {
      if (r.ok) {
        std::cout << "verify: projection " << r.projection << " ok, " << r.rows
                  << " rows at position " << r.checkpoint << "\n";
      } else {
        ok = false;
        std::cout << "verify: FAILED projection " << r.projection << ": "
                  << r.problem
                  << (r.first_difference.empty()
                          ? ""
                          : " at key " + r.first_difference)
                  << "\n";
      }
    }
    if (!ok) return kExitCheckFailed;
  }
  return kExitOk;
}

int RunReplay(const ReplayOptions& o) {
  std::optional<UnixMicros> since, until;
  if (!o.since.empty() && !(since = ParseRfc3339(o.since))) {
    return Fail(InvalidArgument("--since must be an RFC 3339 time"));
  }
  if (!o.until.empty() && !(until = ParseRfc3339(o.until))) {
    return Fail(InvalidArgument("--until must be an RFC 3339 time"));
  }
  if (o.format != "text" && o.format != "json") {
    return Fail(InvalidArgument("--format must be text or json"));
  }
  auto db = ReadOnlyDatabase::Open(o.where);
  if (!db.ok()) return Fail(db.status());
  eventstore::EventStore& store = (*db)->store();
  if (o.verify) {
    auto report = store.Verify(1, 0);
    if (!report.ok()) return Fail(report.status());
    if (!report->ok) {
      std::cerr << "replay: the log fails verification at position "
                << report->first_bad << ": " << report->problem << "\n";
      return kExitCheckFailed;
    }
  }
  eventstore::Position next = std::max<std::uint64_t>(o.from, 1);
  for (;;) {
    if (Status s = PrintFrom(store, o, since, until, &next); !s.ok()) {
      return Fail(s);
    }
    if (!o.follow || (o.to != 0 && next > o.to)) return kExitOk;
    std::cout.flush();
    // A RocksDB reader catches up with the writer's files; a PostgreSQL
    // store's follower moves the committed position by itself.
    if (Status s = store.Refresh(); !s.ok()) return Fail(s);
    store.WaitForPosition(next, std::chrono::milliseconds(200));
  }
}

}  // namespace orgledger::tools
