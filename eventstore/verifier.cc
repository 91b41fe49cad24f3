#include "eventstore/verifier.h"

#include "eventstore/record.h"

namespace orgledger::eventstore {

ChainVerifier::ChainVerifier(Position from, const Hash& prev_hash)
    : from_(from), expected_(from), prev_(prev_hash) {
  report_.verified_through = from - 1;
}

void ChainVerifier::Fail(Position at, std::string problem) {
  if (!report_.ok) return;
  report_.ok = false;
  report_.first_bad = at;
  report_.problem = std::move(problem);
}

VerifyReport MissingRecordReport(Position position) {
  VerifyReport r;
  r.ok = false;
  r.first_bad = position;
  r.problem = "record " + std::to_string(position) + " is missing";
  return r;
}

bool ChainVerifier::Feed(Position key_position, std::string_view value) {
  if (!report_.ok) return false;
  if (key_position != expected_) {
    Fail(expected_, "record " + std::to_string(expected_) +
                        " is missing (next stored record is " +
                        std::to_string(key_position) + ")");
    return false;
  }
  std::string_view body;
  Result<RecordedEvent> e = DecodeRecord(value, &body);
  if (!e.ok()) {
    Fail(key_position, e.status().message());
    return false;
  }
  if (e->position != key_position) {
    Fail(key_position, "record stored at position " +
                           std::to_string(key_position) + " says position " +
                           std::to_string(e->position));
    return false;
  }
  if (ChainHash(prev_, body) != e->hash) {
    Fail(key_position, "hash chain broken");
    return false;
  }
  auto [it, inserted] = versions_.try_emplace(e->stream, e->version);
  if (inserted) {
    // From the start of the log every stream begins at version 1; from the
    // middle, its first version seen cannot be checked.
    if (from_ == 1 && e->version != 1) {
      Fail(key_position, "stream " + e->stream + " starts at version " +
                             std::to_string(e->version));
      return false;
    }
  } else if (e->version != it->second + 1) {
    Fail(key_position, "stream " + e->stream + " jumps from version " +
                           std::to_string(it->second) + " to " +
                           std::to_string(e->version));
    return false;
  } else {
    it->second = e->version;
  }
  prev_ = e->hash;
  report_.records += 1;
  report_.verified_through = key_position;
  expected_ = key_position + 1;
  return true;
}

void ChainVerifier::FailUnreadable(const std::string& why) {
  Fail(expected_, "records from position " + std::to_string(expected_) +
                      " on cannot be read: " + why);
}

void ChainVerifier::CheckReachesHead(const LogHead& recorded) {
  if (!report_.ok) return;
  if (report_.verified_through < recorded.position) {
    Fail(report_.verified_through + 1,
         "log ends at position " + std::to_string(report_.verified_through) +
             " but its recorded head is " + std::to_string(recorded.position) +
             ": records were cut off");
  } else if (report_.verified_through > recorded.position) {
    Fail(recorded.position + 1, "log extends past its recorded head " +
                                    std::to_string(recorded.position));
  } else if (recorded.position > 0 && prev_ != recorded.hash) {
    Fail(recorded.position, "recorded head hash does not match the chain");
  }
}

void ChainVerifier::CheckReaches(Position to) {
  if (!report_.ok) return;
  if (report_.verified_through < to) {
    Fail(report_.verified_through + 1,
         "log ends at position " + std::to_string(report_.verified_through) +
             " before " + std::to_string(to));
  }
}

}  // namespace orgledger::eventstore
