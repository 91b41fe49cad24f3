// libFuzzer target: bytes from disk — log records, event payloads and
// metadata of every type, snapshots, kept outcomes and projection rows.
// Whatever the bytes, decoding answers a value or kCorruption.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "domain/codec/codec.h"
#include "domain/events.h"
#include "eventstore/record.h"
#include "projections/row_coding.h"
#include "projections/rows.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  using namespace orgledger;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)eventstore::DecodeRecord(bytes, nullptr);
  const std::string_view type =
      domain::kEventTypeNames[size % domain::kEventTypeNames.size()];
  (void)codec::DecodeEvent(type, bytes);
  (void)codec::DecodeMetadata(bytes);
  (void)codec::DecodeState(bytes);
  (void)codec::DecodeOutcome(bytes);
  (void)projections::DecodeRow<projections::OrgRow>(bytes);
  (void)projections::DecodeRow<projections::RumMonthRow>(bytes);
  return 0;
}
