// libFuzzer target: bytes from disk — log records, event payloads and
// metadata of every type, snapshots, kept outcomes and projection rows.
// Whatever the bytes, decoding answers a value or kCorruption.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "domain/codec/codec.h"
#include "eventstore/record.h"
#include "projections/row_coding.h"
#include "projections/rows.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  using namespace orgledger;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)eventstore::DecodeRecord(bytes, nullptr);
  static const char* const kTypes[] = {
      "OrganizationCreated",  "InviteSent",      "InviteResent",
      "InviteRevoked",        "InviteAccepted",  "InviteAcceptFailed",
      "MemberRemoved",        "RoleChanged",     "BillingManagerRemoved",
      "TeamCreated",          "TeamDeleted",     "CreditCardUpdated",
      "SubscriptionChanged",  "PaymentRecorded", "PaymentStatusChanged",
      "ResourceCountRecorded"};
  const char* type = kTypes[size % (sizeof(kTypes) / sizeof(kTypes[0]))];
  (void)codec::DecodeEvent(type, bytes);
  (void)codec::DecodeMetadata(bytes);
  (void)codec::DecodeState(bytes);
  (void)codec::DecodeOutcome(bytes);
  (void)projections::DecodeRow<projections::OrgRow>(bytes);
  (void)projections::DecodeRow<projections::RumMonthRow>(bytes);
  return 0;
}
