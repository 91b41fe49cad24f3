// The erasure tests' story (tests/privacy/): a person written into every
// kind of event and state an engine keeps, and the search of every byte of
// a directory's files for them.
#ifndef ORGLEDGER_TESTS_PRIVACY_ERASURE_STORY_H_
#define ORGLEDGER_TESTS_PRIVACY_ERASURE_STORY_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <filesystem>
#include <string>
#include <vector>

#include "commands/engine.h"
#include "privacy/person_keys.h"
#include "tests/commands/engine_fixture.h"
#include "tests/testing/files.h"
#include "tools/wire/response.h"

namespace orgledger::commands::testing {

inline constexpr char kEmail[] = "Zelda.Quixote@Example.NET";
inline constexpr char kName[] = "Zelda Quixote";
// Ids stay (SPEC §10): this one names nothing the search looks for.
inline constexpr char kUser[] = "u-7781";

inline domain::Actor Zelda() {
  return domain::Actor::Person(kUser, kEmail, kName);
}

inline std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Every file under `dir` that holds one of `needles`: lower-cased text
// needles are searched in the lower-cased bytes, binary ones as they are.
inline std::vector<std::string> FilesHolding(
    const std::string& dir, const std::vector<std::string>& text,
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

// Commands and views on an engine, with the tests' clock moved on before
// each command.
class ErasureStory {
 public:
  ErasureStory(Engine* engine, TestContext* context)
      : engine_(engine), context_(context) {}

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
    // Events enough for an as-of mark of her rows (projections/marks.h).
    for (int t = 0; t < 20; ++t) {
      Ok(Request("bills" + n, Admin("bills"),
                 domain::CreateTeam{"t" + std::to_string(t), "Team"}));
    }
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

 private:
  Engine* engine_;
  TestContext* context_;
};

}  // namespace orgledger::commands::testing

#endif  // ORGLEDGER_TESTS_PRIVACY_ERASURE_STORY_H_
