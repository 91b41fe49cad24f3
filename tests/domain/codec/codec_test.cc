// The codec: round trips for every event type, corruption as an error,
// the golden log of schema version 1 and a golden snapshot, and the
// upcasting path.
#include "domain/codec/codec.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "tests/domain/codec/golden_events.h"
#include "tests/testing/files.h"
#include "tests/testing/test_dir.h"

namespace orgledger::codec {
namespace {

using namespace domain;

const char kGoldenPath[] =
    ORGLEDGER_SOURCE_DIR "/tests/domain/codec/golden/log_v1.bin";

// A snapshot of the state the golden log folds to, under the current state
// schema: a changed schema (kStateSchemaVersion) writes a new file.
const std::string kGoldenSnapshotPath =
    ORGLEDGER_SOURCE_DIR "/tests/domain/codec/golden/snapshot_v" +
    std::to_string(kStateSchemaVersion) + ".bin";

OrgState GoldenState() {
  OrgState s;
  for (const auto& [meta, event] : testing::GoldenLog()) {
    s = Evolve(std::move(s), event);
    s.version += 1;
  }
  // Every invitation of the golden log is closed by its end: one more,
  // pending, so that the snapshot holds both kinds.
  s = Evolve(std::move(s), InviteSent{"inv-9", Role::kMember, Channel::kEmail,
                                      "pat@example.com", "", "u-1", 99});
  s.version += 1;
  return s;
}

// golden file: repeated [u32 n][type][u32 n][metadata][u32 n][payload],
// little-endian lengths.
void PutBytes(std::string* out, std::string_view b) {
  const auto n = static_cast<std::uint32_t>(b.size());
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(n >> (8 * i)));
  out->append(b);
}
bool GetBytes(std::string_view* in, std::string* b) {
  if (in->size() < 4) return false;
  std::uint32_t n = 0;
  for (int i = 0; i < 4; ++i) {
    n |= static_cast<std::uint32_t>(static_cast<unsigned char>((*in)[i]))
         << (8 * i);
  }
  in->remove_prefix(4);
  if (in->size() < n) return false;
  b->assign(in->substr(0, n));
  in->remove_prefix(n);
  return true;
}

TEST(CodecGolden, TheCommittedLogStillDecodes) {
  const std::string bytes = orgledger::testing::ReadText(kGoldenPath);
  ASSERT_FALSE(bytes.empty()) << "missing " << kGoldenPath;
  std::string_view in = bytes;
  const auto expected = testing::GoldenLog();
  std::size_t i = 0;
  std::string type, meta, payload;
  while (!in.empty()) {
    ASSERT_TRUE(GetBytes(&in, &type) && GetBytes(&in, &meta) &&
                GetBytes(&in, &payload))
        << "truncated golden file at record " << i;
    ASSERT_LT(i, expected.size());
    EXPECT_EQ(type, EventTypeName(expected[i].second));
    Result<EventMetadata> m = DecodeMetadata(meta);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    EXPECT_EQ(*m, expected[i].first) << "record " << i;
    Result<Event> e = DecodeEvent(type, payload);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    EXPECT_EQ(*e, expected[i].second) << "record " << i << " " << type;
    ++i;
  }
  EXPECT_EQ(i, expected.size());
}

// Snapshots written by earlier builds of this schema still decode, and this
// build writes the same bytes (EncodeState does not copy the state into
// the snapshot it decodes as; the bytes must not differ for it).
TEST(CodecGolden, TheCommittedSnapshotDecodesAndIsWrittenAlike) {
  const std::string bytes = orgledger::testing::ReadText(kGoldenSnapshotPath);
  ASSERT_FALSE(bytes.empty()) << "missing " << kGoldenSnapshotPath
                              << " (a new state schema: write it with "
                                 "ORGLEDGER_WRITE_GOLDEN=1)";
  const OrgState expected = GoldenState();
  ASSERT_FALSE(expected.invites.empty());
  ASSERT_FALSE(expected.closed_invites.empty());
  ASSERT_TRUE(expected.card.has_value());
  Result<OrgState> back = DecodeState(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, expected);
  EXPECT_EQ(EncodeState(expected), bytes);
}

// A snapshot of the first state schema (which kept every invitation whole)
// is not read as today's: the loader discards it and folds the stream.
TEST(CodecGolden, ASnapshotOfTheFirstSchemaIsDiscarded) {
  const std::string v1 = orgledger::testing::ReadText(
      ORGLEDGER_SOURCE_DIR "/tests/domain/codec/golden/snapshot_v1.bin");
  ASSERT_FALSE(v1.empty());
  EXPECT_EQ(DecodeState(v1).status().code(), Code::kNotFound);
}

// The golden log of version 1 has every event type of version 1; the one
// type added since (PersonErased) is in tests/privacy's golden log.
TEST(CodecGolden, EveryEventTypeIsInTheGoldenLog) {
  std::vector<bool> seen(std::variant_size_v<Event>);
  for (const auto& [meta, event] : testing::GoldenLog())
    seen[event.index()] = true;
  seen[Event(PersonErased{}).index()] = true;
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_TRUE(seen[i]) << i;
}

// Writes the golden file only when asked (ORGLEDGER_WRITE_GOLDEN=1), once,
// when a new schema version is released; the test above never does.
TEST(CodecGolden, WriteWhenAsked) {
  if (std::getenv("ORGLEDGER_WRITE_GOLDEN") == nullptr) {
    GTEST_SKIP() << "set ORGLEDGER_WRITE_GOLDEN=1 to write " << kGoldenPath;
  }
  std::string out;
  for (const auto& [meta, event] : testing::GoldenLog()) {
    PutBytes(&out, EventTypeName(event));
    PutBytes(&out, EncodeMetadata(meta));
    PutBytes(&out, EncodeEvent(event));
  }
  orgledger::testing::WriteText(kGoldenPath, out);
  orgledger::testing::WriteText(kGoldenSnapshotPath,
                                EncodeState(GoldenState()));
}

TEST(Codec, EveryEventRoundTrips) {
  for (const auto& [meta, event] : testing::GoldenLog()) {
    const std::string payload = EncodeEvent(event);
    Result<Event> back = DecodeEvent(EventTypeName(event), payload);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, event);
    // Version 2: the same layout, personal fields possibly sealed.
    const bool personal = std::holds_alternative<OrganizationCreated>(event) ||
                          std::holds_alternative<InviteSent>(event) ||
                          std::holds_alternative<InviteAccepted>(event) ||
                          std::holds_alternative<InviteAcceptFailed>(event) ||
                          std::holds_alternative<InviteEmailFailed>(event) ||
                          std::holds_alternative<CreditCardUpdated>(event);
    EXPECT_EQ(SchemaVersion(event), personal ? 2u : 1u) << EventTypeName(event);
  }
}

std::string RandomText(std::mt19937& rng) {
  std::string s(rng() % 40, ' ');
  for (char& c : s) c = static_cast<char>(rng() % 256);
  return s;
}

TEST(Codec, RandomValuesRoundTrip) {
  const unsigned seed = orgledger::testing::TestSeed();
  std::mt19937 rng(seed);
  for (int i = 0; i < 2000; ++i) {
    Payment p{RandomText(rng), static_cast<std::int64_t>(rng()) - (1LL << 31),
              RandomText(rng), static_cast<PaymentStatus>(rng() % 3),
              static_cast<Micros>(rng()) << 20};
    const std::vector<Event> events = {
        InviteSent{RandomText(rng), static_cast<Role>(rng() % 3),
                   static_cast<Channel>(rng() % 2), RandomText(rng),
                   RandomText(rng), RandomText(rng),
                   -static_cast<Micros>(rng())},
        PaymentStatusChanged{p, static_cast<PaymentStatus>(rng() % 3)},
        MemberRemoved{RandomText(rng), RandomText(rng), rng() % 2 == 0},
        ResourceCountRecorded{static_cast<std::int64_t>(rng()) << 30,
                              static_cast<Micros>(rng())}};
    for (const Event& e : events) {
      Result<Event> back = DecodeEvent(EventTypeName(e), EncodeEvent(e));
      ASSERT_TRUE(back.ok()) << "seed " << seed;
      ASSERT_EQ(*back, e) << "seed " << seed;
    }
  }
}

TEST(Codec, DamagedBytesAreCorruptionNotACrash) {
  const std::string payload = EncodeEvent(InviteSent{
      "inv-1", Role::kMember, Channel::kEmail, "a@b.c", "", "u-1", 5});
  EXPECT_EQ(DecodeEvent("NoSuchEvent", payload).status().code(),
            Code::kCorruption);
  EXPECT_EQ(DecodeEvent("InviteSent", payload.substr(0, payload.size() - 3))
                .status()
                .code(),
            Code::kCorruption);
  EXPECT_EQ(DecodeEvent("InviteSent", payload + "x").status().code(),
            Code::kCorruption);
  // Another type's bytes.
  EXPECT_FALSE(DecodeEvent("TeamCreated", payload).ok());
  // An enum code out of range.
  std::string bad_role = payload;
  const std::size_t role_at = 1 + 4 + 8 + 5;  // flag, version, id length, id
  bad_role[role_at] = 7;
  EXPECT_EQ(DecodeEvent("InviteSent", bad_role).status().code(),
            Code::kCorruption);
  EXPECT_EQ(DecodeMetadata("").status().code(), Code::kCorruption);
  EXPECT_EQ(DecodeOutcome("\x01").status().code(), Code::kCorruption);
}

TEST(Codec, SnapshotRoundTripsAndAnotherSchemaIsNotFound) {
  OrgState s;
  s.exists = true;
  s.org = "acme";
  s.edition = "team";
  s.version = 42;
  s.people["u-1"] = Person{"u-1", "A@b.c", "A", Role::kAdmin, 7};
  Invite inv;
  inv.invite_id = "inv-1";
  inv.last_error = AcceptError{"email_mismatch", 9, "u-2", "x@y.z"};
  s.invites["inv-1"] = inv;
  s.closed_invites.Put("inv-2",
                       ClosedInvite{Role::kBillingManager, Channel::kLink,
                                    InviteStatus::kRevoked, "ab12"});
  s.closed_invites.Put("inv_q83vEjRWeJASNFZ4kBI0Vg",
                       ClosedInvite{Role::kMember, Channel::kEmail,
                                    InviteStatus::kAccepted, ""});
  ASSERT_EQ(s.closed_invites.packed.size(), ClosedInvites::kPackedSize);
  s.teams["core"] = "Core";
  s.card = CreditCard{"tok", "visa", "4242", 1, 2031, "A"};
  s.payments["p"] = Payment{"p", 1, "EUR", PaymentStatus::kFailed, 3};
  s.last_rum = ResourceCountRecorded{5, 6};
  const std::string bytes = EncodeState(s);
  Result<OrgState> back = DecodeState(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, s);

  // The schema number follows the archive's flag byte and class version.
  std::string other = bytes;
  other[5] = static_cast<char>(kStateSchemaVersion + 1);
  EXPECT_EQ(DecodeState(other).status().code(), Code::kNotFound);
  EXPECT_EQ(DecodeState(bytes.substr(0, 20)).status().code(),
            Code::kCorruption);
}

TEST(Codec, OutcomeRoundTrips) {
  KeptOutcome o{"limit_exceeded",    "too many", {{"members", 12, 10}}, 9, 4,
                {{"InviteSent", 9}}, "inv-9"};
  Result<KeptOutcome> back = DecodeOutcome(EncodeOutcome(o));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, o);
}

}  // namespace
}  // namespace orgledger::codec
