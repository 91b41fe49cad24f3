// ChainVerifier: the checks of Verify (SPEC §4), fed one stored record at a
// time in key order, so that every backend verifies the same way.
// Not thread-safe.
#ifndef ORGLEDGER_EVENTSTORE_VERIFIER_H_
#define ORGLEDGER_EVENTSTORE_VERIFIER_H_

#include <string>
#include <string_view>
#include <unordered_map>

#include "eventstore/event_store.h"

namespace orgledger::eventstore {

// The report of a check that cannot start: record `position`, whose stored
// hash the range after it continues, is missing or unreadable.
VerifyReport MissingRecordReport(Position position);

class ChainVerifier {
 public:
  // `prev_hash` is h(from - 1): zeros when from == 1.
  ChainVerifier(Position from, const Hash& prev_hash);

  // Checks the record stored under `key_position`. Returns false once a
  // check has failed (the report names it); later calls are ignored.
  bool Feed(Position key_position, std::string_view value);

  // Called after the last record when the range ran to the end of the log:
  // the log must reach its recorded head, with the same hash.
  void CheckReachesHead(const LogHead& recorded);

  // Called when the range has an explicit end `to` that the log must reach.
  void CheckReaches(Position to);

  // The storage layer could not read the records after the last one fed
  // (RocksDB found a damaged block, a truncated or missing file): the check
  // fails at the next expected position, with RocksDB's words in `why`.
  void FailUnreadable(const std::string& why);

  const VerifyReport& report() const { return report_; }

 private:
  void Fail(Position at, std::string problem);

  Position from_;
  Position expected_;
  Hash prev_;
  std::unordered_map<std::string, Version> versions_;
  VerifyReport report_;
};

}  // namespace orgledger::eventstore

#endif  // ORGLEDGER_EVENTSTORE_VERIFIER_H_
