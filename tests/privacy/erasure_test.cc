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

#include "commands/engine.h"
#include "privacy/person_keys.h"
#include "tests/commands/engine_fixture.h"
#include "tests/testing/files.h"
#include "tests/testing/test_dir.h"
#include "tools/wire/response.h"

namespace orgledger::commands::testing {
namespace {

constexpr char kEmail[] = "Zelda.Quixote@Example.NET";
constexpr char kName[] = "Zelda Quixote";
// Ids stay (SPEC §10): this one names nothing the search looks for.
constexpr char kUser[] = "u-7781";

domain::Actor Zelda() { return domain::Actor::Person(kUser, kEmail, kName); }

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Every file under `dir` that holds one of `needles`: lower-cased text
// needles are searched in the lower-cased bytes, binary ones as they are.
std::vector<std::string> FilesHolding(const std::string& dir,
                                      const std::vector<std::string>& text,
                                      const std::vector<std::string>& binary) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string bytes =
        orgledger::testing::ReadText(entry.path().string());
    const std::string lower = Lower(bytes);
    for (const std::string& n : text) {
      if (std::size_t at = lower.find(Lower(n)); at != std::string::npos) {
        // What is around it, printable, to tell which row it was.
        std::string around = bytes.substr(at < 40 ? 0 : at - 40, 100);
        for (char& c : around) {
          if (c < 0x20 || c > 0x7e) c = '.';
        }
        found.push_back(entry.path().string() + " holds \"" + n +
                        "\": " + around);
      }
    }
    for (std::size_t i = 0; i < binary.size(); ++i) {
      if (bytes.find(binary[i]) != std::string::npos) {
        found.push_back(entry.path().string() + " holds key " +
                        std::to_string(i));
      }
    }
  }
  return found;
}

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

  CommandOutcome Run(const CommandRequest& r) {
    context_->now += 1000;
    return engine_->Execute(r);
  }
  CommandOutcome Ok(const CommandRequest& r) {
    CommandOutcome o = Run(r);
    EXPECT_TRUE(o.ok()) << r.envelope.org << ": " << o.error.ToString();
    return o;
  }

  std::string View(const std::string& view, const std::string& org) {
    projections::ViewRequest r;
    r.view = view;
    r.org = org;
    // The second round's organizations have the first round's admins.
    const std::string base =
        org.ends_with("2") ? org.substr(0, org.size() - 1) : org;
    r.viewer = base == "her-org" ? Zelda() : Admin(base);
    Result<projections::View> v =
        engine_->Query(r, engine_->store().CommittedPosition());
    EXPECT_TRUE(v.ok()) << view << " " << org << ": " << v.status().ToString();
    return v.ok() ? boost::json::serialize(wire::EncodeView(*v)) : "";
  }

  // Zelda in every role and event the spec lists, in four organizations.
  void WriteZeldaEverywhere(const std::string& n = "") {
    // The creator of an organization (OrganizationCreated, its actor).
    Ok(Request("her-org" + n, Zelda(), domain::CreateOrganization{"team"}));
    // A member who accepted (InviteSent, InviteAccepted).
    Ok(Request("acme" + n, Admin("acme"), domain::CreateOrganization{"team"}));
    CommandOutcome invited = Ok(Request(
        "acme" + n, Admin("acme"), domain::InviteMember{kEmail, "member"}));
    Ok(Request("acme" + n, Zelda(),
               domain::AcceptInvite{invited.invite_id, {}}));
    // A billing manager who entered a card with her name on it.
    Ok(Request("bills" + n, Admin("bills"),
               domain::CreateOrganization{"team"}));
    CommandOutcome billing = Ok(Request("bills" + n, Admin("bills"),
                                        domain::InviteBillingManager{kEmail}));
    Ok(Request("bills" + n, Zelda(),
               domain::AcceptInvite{billing.invite_id, {}}));
    domain::CreditCard card;
    card.processor_token = "tok_visa_4242";
    card.brand = "visa";
    card.last4 = "4242";
    card.exp_month = 12;
    card.exp_year = 2030;
    card.holder_name = kName;
    Ok(Request("bills" + n, Zelda(), domain::UpdateCreditCard{card}));
    // An invitation never accepted, whose email was given up with the
    // mail server's words quoting her address; a second invitation
    // refused, its message kept with its idempotency key.
    Ok(Request("pending" + n, Admin("pending"),
               domain::CreateOrganization{"team"}));
    CommandOutcome pending =
        Ok(Request("pending" + n, Admin("pending"),
                   domain::InviteMember{kEmail, "member"}));
    Ok(Request("pending" + n, domain::Actor::System("mailer"),
               domain::RecordInviteEmailFailure{
                   *pending.invite_id,
                   std::string("550 5.1.1 <") + kEmail + ">: no such user"}));
    CommandOutcome again =
        Run(WithKey(Request("pending" + n, Admin("pending"),
                            domain::InviteMember{kEmail, "member"}),
                    "invite-again"));
    EXPECT_FALSE(again.ok());
    EXPECT_NE(again.error.message().find(kEmail), std::string::npos);
    // A failed acceptance of someone else's invitation (its actor).
    CommandOutcome other =
        Ok(Request("pending" + n, Admin("pending"),
                   domain::InviteMember{"other@example.com", "member"}));
    CommandOutcome failed = Run(Request(
        "pending" + n, Zelda(), domain::AcceptInvite{other.invite_id, {}}));
    EXPECT_FALSE(failed.ok());
    EXPECT_NE(failed.position, 0u) << "a recorded acceptance failure";
  }

  std::vector<std::string> ZeldaKeys() {
    std::vector<std::string> out;
    Result<privacy::ErasurePlan> plan =
        privacy::KeysOf(engine_->store()).Plan(std::nullopt, kEmail);
    EXPECT_TRUE(plan.ok());
    for (const privacy::KeyId& id : plan->keys) {
      Result<std::optional<privacy::KeyBytes>> key =
          privacy::KeysOf(engine_->store()).Find(id);
      EXPECT_TRUE(key.ok() && key->has_value());
      out.emplace_back(reinterpret_cast<const char*>((*key)->data()),
                       (*key)->size());
    }
    return out;
  }

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
