// The record envelope and the hash chain (docs/format.md):
//
//   record := format:u8 crc:fixed32 hash:32 body
//   body   := position:fixed64 stream:lp version:fixed64 type:lp
//             metadata:lp payload:lp
//   hash   = SHA-256(previous hash || body)      (h(0) = 32 zero bytes)
//   crc    = CRC32C(hash || body)
#ifndef ORGLEDGER_EVENTSTORE_RECORD_H_
#define ORGLEDGER_EVENTSTORE_RECORD_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "eventstore/event_store.h"

namespace orgledger::eventstore {

inline constexpr std::uint8_t kRecordFormat = 1;

// CRC32C (Castagnoli) of `bytes`.
std::uint32_t Crc32c(std::string_view bytes);
// The table-driven version Crc32c falls back to without SSE4.2 (tests
// compare the two).
std::uint32_t Crc32cPortable(std::string_view bytes);

// SHA-256(prev || body).
Hash ChainHash(const Hash& prev, std::string_view body);

// Encodes the body of a record (what the hash covers).
std::string EncodeBody(Position position, std::string_view stream,
                       Version version, const EventData& event);

// Builds the full record from a body and its chain hash.
std::string EncodeRecord(const Hash& hash, std::string_view body);

// Decodes a record, checking its format byte and CRC. `body` (optional)
// receives the body bytes, a view into `bytes`.
// kCorruption on any mismatch.
Result<RecordedEvent> DecodeRecord(std::string_view bytes,
                                   std::string_view* body = nullptr);

// Decodes only the stored hash (no CRC check); for chain anchoring.
bool PeekRecordHash(std::string_view bytes, Hash* hash);

}  // namespace orgledger::eventstore

#endif  // ORGLEDGER_EVENTSTORE_RECORD_H_
