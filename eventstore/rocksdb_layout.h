// The RocksDB key scheme of the event store (docs/format.md). Internal to
// eventstore/ and its tests; hosts never see it.
#ifndef ORGLEDGER_EVENTSTORE_ROCKSDB_LAYOUT_H_
#define ORGLEDGER_EVENTSTORE_ROCKSDB_LAYOUT_H_

#include <string>
#include <string_view>

#include "eventstore/coding.h"
#include "eventstore/event_store.h"

namespace orgledger::eventstore::layout {

// Column families.
inline constexpr char kLogCf[] = "log";          // position -> record
inline constexpr char kStreamsCf[] = "streams";  // stream,version -> position
inline constexpr char kHeadsCf[] = "heads";      // stream -> head
inline constexpr char kIdempotencyCf[] =
    "idempotency";                         // stream,key -> outcome
inline constexpr char kMetaCf[] = "meta";  // see below
inline constexpr char kSnapshotsCf[] =
    "snapshots";                             // stream -> version:fixed64 bytes
inline constexpr char kStateCf[] = "state";  // StateStore: bytes -> bytes
inline constexpr char kKeysCf[] = "keys";    // key rows: bytes -> bytes

// Keys of the meta column family.
inline constexpr char kMetaFormat[] = "format";  // "1"
inline constexpr char kMetaHead[] = "head";      // position:fixed64 hash:32
inline constexpr char kFormatVersion[] = "1";

inline std::string LogKey(Position p) { return EncodeFixed64BE(p); }

inline std::string StreamKey(std::string_view stream, Version v) {
  std::string k(stream);
  k.push_back('\0');
  PutFixed64BE(&k, v);
  return k;
}

inline std::string EncodeHead(const StreamHead& h) {
  std::string v;
  PutFixed64BE(&v, h.version);
  PutFixed64BE(&v, h.position);
  return v;
}

inline bool DecodeHead(std::string_view in, StreamHead* h) {
  return GetFixed64BE(&in, &h->version) && GetFixed64BE(&in, &h->position) &&
         in.empty();
}

inline std::string EncodeLogHead(const LogHead& h) {
  std::string v;
  PutFixed64BE(&v, h.position);
  v.append(reinterpret_cast<const char*>(h.hash.data()), h.hash.size());
  return v;
}

inline bool DecodeLogHead(std::string_view in, LogHead* h) {
  if (!GetFixed64BE(&in, &h->position) || in.size() != h->hash.size()) {
    return false;
  }
  std::copy(in.begin(), in.end(), h->hash.begin());
  return true;
}

}  // namespace orgledger::eventstore::layout

#endif  // ORGLEDGER_EVENTSTORE_ROCKSDB_LAYOUT_H_
