// The golden log of schema version 2 (golden/log_v2.bin, with the key rows
// it was sealed with in golden/keys_v2.bin): the events of version 1's
// golden log, one PersonErased more, each personal field sealed. The
// committed bytes must keep opening to exactly these values, and read as
// erased once the keys are gone.
#include <gtest/gtest.h>

#include <cstdlib>

#include "domain/state.h"
#include "privacy/cipher.h"
#include "privacy/person_keys.h"
#include "privacy/sealing.h"
#include "tests/domain/codec/golden_events.h"
#include "tests/testing/files.h"

namespace orgledger::privacy {
namespace {

using codec::EventMetadata;

const char kLogPath[] = ORGLEDGER_SOURCE_DIR "/tests/privacy/golden/log_v2.bin";
const char kKeysPath[] =
    ORGLEDGER_SOURCE_DIR "/tests/privacy/golden/keys_v2.bin";

std::vector<std::pair<EventMetadata, domain::Event>> GoldenLogV2() {
  auto log = codec::testing::GoldenLog();
  for (auto& [meta, event] : log)
    meta.schema_version = codec::SchemaVersion(event);
  EventMetadata meta = log.back().first;
  meta.actor = domain::Actor::System("erase");
  meta.recorded_at += 1;
  const domain::Event erased =
      domain::PersonErased{"era_golden", "ops-alice", meta.recorded_at};
  meta.schema_version = codec::SchemaVersion(erased);
  log.emplace_back(meta, erased);
  return log;
}

// [u32 n][bytes] pieces, little-endian lengths.
void Put(std::string* out, std::string_view b) {
  const auto n = static_cast<std::uint32_t>(b.size());
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(n >> (8 * i)));
  out->append(b);
}
std::vector<std::string> Pieces(const std::string& bytes) {
  std::vector<std::string> out;
  std::string_view in = bytes;
  while (in.size() >= 4) {
    std::uint32_t n = 0;
    for (int i = 0; i < 4; ++i) {
      n |= static_cast<std::uint32_t>(static_cast<unsigned char>(in[i]))
           << (8 * i);
    }
    in.remove_prefix(4);
    if (in.size() < n) break;
    out.emplace_back(in.substr(0, n));
    in.remove_prefix(n);
  }
  EXPECT_TRUE(in.empty()) << "a golden file is cut short";
  return out;
}

std::unique_ptr<eventstore::EventStore> StoreWithGoldenKeys() {
  auto store = eventstore::NewMemoryEventStore({});
  const std::vector<std::string> rows =
      Pieces(orgledger::testing::ReadText(kKeysPath));
  EXPECT_FALSE(rows.empty()) << "missing " << kKeysPath;
  eventstore::StateBatch batch;
  for (std::size_t i = 0; i + 1 < rows.size(); i += 2) {
    batch.Put(rows[i], rows[i + 1]);
  }
  EXPECT_TRUE(store->WriteKeyRows(batch, true).ok());
  return store;
}

struct Decoded {
  std::string type;
  EventMetadata meta;
  domain::Event event;
};

std::vector<Decoded> DecodeGolden() {
  const std::vector<std::string> pieces =
      Pieces(orgledger::testing::ReadText(kLogPath));
  EXPECT_EQ(pieces.size() % 3, 0u);
  std::vector<Decoded> out;
  for (std::size_t i = 0; i + 2 < pieces.size(); i += 3) {
    Result<EventMetadata> meta = codec::DecodeMetadata(pieces[i + 1]);
    Result<domain::Event> event = codec::DecodeEvent(pieces[i], pieces[i + 2]);
    EXPECT_TRUE(meta.ok() && event.ok()) << "record " << i / 3;
    if (!meta.ok() || !event.ok()) break;
    out.push_back({pieces[i], *meta, *event});
  }
  return out;
}

TEST(GoldenV2, TheCommittedLogOpensWithItsKeys) {
  const auto expected = GoldenLogV2();
  std::vector<Decoded> records = DecodeGolden();
  ASSERT_EQ(records.size(), expected.size()) << "missing " << kLogPath;
  auto store = StoreWithGoldenKeys();
  PersonKeys keys(store.get());
  for (std::size_t i = 0; i < records.size(); ++i) {
    Decoded& r = records[i];
    EXPECT_EQ(r.type, domain::EventTypeName(expected[i].second));
    EXPECT_FALSE(HasPlaintext(r.event, r.meta.actor)) << "record " << i;
    ASSERT_TRUE(OpenEvent(keys, r.event).ok()) << "record " << i;
    ASSERT_TRUE(OpenActor(keys, r.meta.actor).ok()) << "record " << i;
    EXPECT_EQ(r.meta, expected[i].first) << "record " << i;
    EXPECT_EQ(r.event, expected[i].second) << "record " << i << " " << r.type;
  }
}

TEST(GoldenV2, WithoutItsKeysEveryPersonalFieldReadsAsErased) {
  auto store = eventstore::NewMemoryEventStore({});  // no key rows at all
  PersonKeys keys(store.get());
  for (Decoded& r : DecodeGolden()) {
    ASSERT_TRUE(OpenEvent(keys, r.event).ok());
    ASSERT_TRUE(OpenActor(keys, r.meta.actor).ok());
    if (!r.meta.actor.system) {
      EXPECT_EQ(r.meta.actor.email, "");
      EXPECT_EQ(r.meta.actor.name, kErasedName);
      EXPECT_FALSE(r.meta.actor.id.empty()) << "ids stay";
    }
    if (const auto* a = std::get_if<domain::InviteAccepted>(&r.event)) {
      EXPECT_EQ(a->email, "");
      EXPECT_EQ(a->name, kErasedName);
    }
    if (const auto* c = std::get_if<domain::OrganizationCreated>(&r.event)) {
      EXPECT_EQ(c->creator_email, "");
      EXPECT_EQ(c->creator_name, kErasedName);
    }
  }
}

// Writes the golden files only when asked (ORGLEDGER_WRITE_GOLDEN=1),
// once, when schema version 2 was released; the tests above never do.
TEST(GoldenV2, WriteWhenAsked) {
  if (std::getenv("ORGLEDGER_WRITE_GOLDEN") == nullptr) {
    GTEST_SKIP() << "set ORGLEDGER_WRITE_GOLDEN=1 to write " << kLogPath;
  }
  auto store = eventstore::NewMemoryEventStore({});
  PersonKeys keys(store.get());
  KeyRows rows;
  domain::OrgState state;
  std::string log;
  for (auto [meta, event] : GoldenLogV2()) {
    const domain::Event plain = event;
    ASSERT_TRUE(SealEvent(keys, "acme", state, meta.actor, event, &rows).ok());
    ASSERT_TRUE(SealActor(keys, "acme", meta.actor, &rows).ok());
    state = domain::Evolve(std::move(state), plain);
    Put(&log, domain::EventTypeName(event));
    Put(&log, codec::EncodeMetadata(meta));
    Put(&log, codec::EncodeEvent(event));
  }
  std::string key_file;
  for (const auto& [row, value] : rows) {
    Put(&key_file, row);
    Put(&key_file, value);
  }
  orgledger::testing::WriteText(kLogPath, log);
  orgledger::testing::WriteText(kKeysPath, key_file);
}

}  // namespace
}  // namespace orgledger::privacy
