// Erasure (SPEC §10) on a real RocksDB engine: a person written into every
// kind of event and state, erased, then every byte of every file of the
// database searched for their email and name (in any case) and for their
// keys; what stays (versions, counts, the chain, an anchor) and what people
// see (the erased values) checked beside it.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <filesystem>
#include <map>

#include "privacy/person_keys.h"
#include "projections/as_of.h"
#include "tests/commands/engine_fixture.h"
#include "tests/privacy/erasure_story.h"
#include "tests/testing/files.h"
#include "tests/testing/test_dir.h"
#include "tools/wire/response.h"

namespace orgledger::commands::testing {
namespace {

class ErasureTest : public ::testing::Test {
 protected:
  void Open(bool follow = true) {
    engine_.reset();
    EngineOptions options;
    options.data_dir = dir_.Sub("db");
    options.context = context_;
    options.snapshot_every = 1;  // every organization has a snapshot
    options.follow_projections = follow;
    options.invite_email_sender = [](const projections::InviteEmail&) {
      return true;
    };
    Result<std::unique_ptr<Engine>> e = Engine::Open(options);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(*e);
  }

  ErasureStory Story() { return ErasureStory(engine_.get(), context_.get()); }
  CommandOutcome Run(const CommandRequest& r) { return Story().Run(r); }
  std::string View(const std::string& view, const std::string& org) {
    return Story().View(view, org);
  }
  void WriteZeldaEverywhere(const std::string& n = "") {
    Story().WriteZeldaEverywhere(n);
  }
  std::vector<std::string> ZeldaKeys() { return Story().ZeldaKeys(); }

  orgledger::testing::TestDir dir_;
  std::shared_ptr<TestContext> context_ = std::make_shared<TestContext>();
  std::unique_ptr<Engine> engine_;
};

const std::vector<std::string> kOrgs = {"her-org", "acme", "bills", "pending"};
const std::vector<std::string> kBothOrgs = {"her-org", "acme",     "bills",
                                            "pending", "her-org2", "acme2",
                                            "bills2",  "pending2"};

TEST_F(ErasureTest, NoByteOfTheErasedPersonIsLeftInAnyFile) {
  Open();
  WriteZeldaEverywhere();
  // An old generation of the projections, and the rows in table files.
  ASSERT_TRUE(engine_->projections().Rebuild("", nullptr).ok());
  Open();
  WriteZeldaEverywhere("2");  // in the write-ahead log and memtables too
  const std::vector<std::string> keys = ZeldaKeys();
  ASSERT_EQ(keys.size(), 1u) << "one person, one key";
  const std::vector<std::string> needles = {"zelda", "quixote"};
  ASSERT_FALSE(FilesHolding(dir_.Sub("db"), needles, {}).empty())
      << "the search finds her before the erasure (views hold her)";

  std::map<std::string, eventstore::StreamHead> heads;
  for (const std::string& org : kBothOrgs) {
    heads[org] = *engine_->store().GetStreamHead(org);
  }
  const std::string members_before = View("member_count", "acme");
  const eventstore::LogHead anchor = *engine_->store().Head();

  EraseRequest erase;
  erase.email = "ZELDA.quixote@example.net";
  erase.by = "ops-alice";
  Result<EraseReport> report = engine_->Erase(erase);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->keys, 1u);
  EXPECT_EQ(report->orgs.size(), kBothOrgs.size());
  EXPECT_TRUE(report->plaintext.empty());

  for (const std::string& f : FilesHolding(dir_.Sub("db"), needles, keys)) {
    ADD_FAILURE() << f;
  }
  // What stays: no organization's version moved, counts, the chain, an
  // anchor taken before.
  for (const std::string& org : kBothOrgs) {
    EXPECT_EQ(*engine_->store().GetStreamHead(org), heads[org]) << org;
  }
  EXPECT_EQ(View("member_count", "acme"), members_before);
  Result<eventstore::VerifyReport> verified = engine_->store().Verify(1, 0);
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok) << verified->problem;
  Result<std::vector<eventstore::RecordedEvent>> at =
      engine_->store().ReadAll(anchor.position, 1);
  ASSERT_TRUE(at.ok() && !at->empty());
  EXPECT_EQ(at->front().hash, anchor.hash);
  Result<std::vector<projections::ProjectionVerifyReport>> rows =
      engine_->projections().Verify();
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  for (const auto& r : *rows) EXPECT_TRUE(r.ok) << r.problem;

  // What people see: erased, not gone.
  const std::string members = View("members", "acme");
  EXPECT_NE(members.find("\"[erased]\""), std::string::npos) << members;
  EXPECT_EQ(Lower(members).find("zelda"), std::string::npos) << members;
  const std::string billing = View("billing", "bills");
  EXPECT_EQ(Lower(billing).find("zelda"), std::string::npos) << billing;
  for (const std::string& org : kBothOrgs) {
    const std::string audit = View("audit_log", org);
    EXPECT_EQ(Lower(audit).find("zelda"), std::string::npos) << audit;
  }
  // As of a moment before the erasure too: the fold starts from a mark,
  // made again without her. (A fold holds a snapshot of the engine's
  // state: it goes before the engine does.)
  {
    Result<projections::FoldedOrg> folded = projections::FoldAsOf(
        engine_->projections(), "bills", projections::AsOf{anchor.position, {}},
        context_->Now());
    ASSERT_TRUE(folded.ok()) << folded.status().ToString();
    EXPECT_LT(folded->folded, folded->events) << "it started from a mark";
    projections::ViewRequest past;
    past.view = "billing_managers";
    past.org = "bills";
    past.viewer = Admin("bills");
    past.as_of = projections::AsOf{anchor.position, {}};
    Result<projections::View> then = engine_->Query(past, 0);
    ASSERT_TRUE(then.ok()) << then.status().ToString();
    const std::string managers =
        boost::json::serialize(wire::EncodeView(*then));
    EXPECT_NE(managers.find("\"[erased]\""), std::string::npos) << managers;
    EXPECT_EQ(Lower(managers).find("zelda"), std::string::npos) << managers;
  }
  // The kept outcome still answers, without her address.
  CommandOutcome again =
      Run(WithKey(Request("pending", Admin("pending"),
                          domain::InviteMember{kEmail, "member"}),
                  "invite-again"));
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(Lower(again.error.message()).find("zelda"), std::string::npos);

  // And after the engine closes (memtables flushed) and opens again.
  Open();
  for (const std::string& f : FilesHolding(dir_.Sub("db"), needles, keys)) {
    ADD_FAILURE() << "after reopening: " << f;
  }
  EXPECT_NE(View("members", "acme").find("[erased]"), std::string::npos);
}

TEST_F(ErasureTest, ErasingByUserIdFindsEveryKeyAndAnUnknownPersonIsNotFound) {
  Open();
  WriteZeldaEverywhere();
  EraseRequest erase;
  erase.user_id = kUser;
  erase.by = "ops-alice";
  Result<EraseReport> report = engine_->Erase(erase);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->keys, 1u);
  EXPECT_EQ(report->orgs.size(), kOrgs.size());
  EXPECT_EQ(engine_->Erase(erase).status().code(), Code::kNotFound);
  erase.user_id.reset();
  erase.email = "nobody@example.com";
  EXPECT_EQ(engine_->Erase(erase).status().code(), Code::kNotFound);
  erase.user_id = kUser;
  EXPECT_EQ(engine_->Erase(erase).status().code(), Code::kInvalidArgument);
  erase.email.reset();
  erase.by = "";
  EXPECT_EQ(engine_->Erase(erase).status().code(), Code::kInvalidArgument);
  // The erasure is recorded, with nothing that identifies her.
  Result<std::vector<eventstore::RecordedEvent>> erased =
      engine_->store().ReadStream(domain::kErasuresStream, 1, 10);
  ASSERT_TRUE(erased.ok());
  ASSERT_EQ(erased->size(), 1u);
  EXPECT_EQ(erased->front().type, "PersonErased");
  EXPECT_EQ(Lower(erased->front().payload).find("zelda"), std::string::npos);
  EXPECT_EQ(erased->front().payload.find(kUser), std::string::npos);
}

// Projections that were not following the log during the erasure fold it
// (and purge what they held) when they catch up.
TEST_F(ErasureTest, ProjectionsDownDuringTheErasureFoldItWhenTheyCatchUp) {
  Open();
  WriteZeldaEverywhere();
  Open(/*follow=*/false);
  EraseRequest erase;
  erase.email = kEmail;
  erase.by = "ops-alice";
  const std::vector<std::string> keys = ZeldaKeys();
  Result<EraseReport> report = engine_->Erase(erase);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  Open(/*follow=*/true);
  ASSERT_TRUE(engine_->projections().WaitFor(
      engine_->store().CommittedPosition(), std::chrono::seconds(30)));
  EXPECT_NE(View("members", "acme").find("[erased]"), std::string::npos);
  for (const std::string& f :
       FilesHolding(dir_.Sub("db"), {"zelda", "quixote"}, keys)) {
    ADD_FAILURE() << f;
  }
}

}  // namespace
}  // namespace orgledger::commands::testing
