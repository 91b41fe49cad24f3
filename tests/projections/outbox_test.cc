// The invitation outbox: email invitations and re-sends reach the host's
// sender, links never do, a sender that fails is called again with the same
// email, and after a restart delivery resumes from the checkpoint.
#include "projections/outbox.h"

#include <gtest/gtest.h>

#include <mutex>

#include "commands/engine.h"
#include "tests/commands/engine_fixture.h"
#include "tests/testing/test_dir.h"

namespace orgledger::projections {
namespace {

using commands::testing::Admin;
using commands::testing::Request;

class OutboxTest : public ::testing::Test {
 protected:
  void Open() {
    engine_.reset();
    commands::EngineOptions options;
    options.data_dir = dir_.Sub("db");
    options.context = std::make_shared<commands::testing::TestContext>();
    options.invite_email_sender = [this](const InviteEmail& e) {
      std::lock_guard<std::mutex> lock(mu_);
      if (failures_left_ > 0) {
        --failures_left_;
        ++failed_calls_;
        return false;
      }
      sent_.push_back(e);
      return true;
    };
    auto e = commands::Engine::Open(std::move(options));
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(*e);
  }

  eventstore::Position Run(domain::Command c) {
    auto o = engine_->Execute(Request("acme", Admin("acme"), std::move(c)));
    EXPECT_TRUE(o.ok()) << o.error.ToString();
    if (o.invite_id.has_value()) last_invite_ = *o.invite_id;
    return o.position;
  }

  std::vector<InviteEmail> Sent() {
    std::lock_guard<std::mutex> lock(mu_);
    return sent_;
  }

  orgledger::testing::TestDir dir_;
  std::unique_ptr<commands::Engine> engine_;
  std::mutex mu_;
  std::vector<InviteEmail> sent_;
  int failures_left_ = 0;
  int failed_calls_ = 0;
  std::string last_invite_;
};

TEST_F(OutboxTest, EmailsAreDeliveredAtLeastOnceAndResumeAfterRestart) {
  Open();
  Run(domain::CreateOrganization{"enterprise"});
  Run(domain::InviteBillingManager{"Bill@Example.com"});
  const std::string bill = last_invite_;
  Run(domain::CreateBillingManagerInviteLink{});  // no email for a link
  {
    std::lock_guard<std::mutex> lock(mu_);
    failures_left_ = 2;  // the mail server is down for a while
  }
  Run(domain::InviteMember{"mia@example.com", "member"});
  eventstore::Position p = Run(domain::ResendInvite{bill});
  ASSERT_TRUE(
      engine_->store().WaitForPosition(p, std::chrono::milliseconds(100)));

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (Sent().size() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::vector<InviteEmail> sent = Sent();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].email, "Bill@Example.com");
  EXPECT_EQ(sent[0].role, "billing_manager");
  EXPECT_FALSE(sent[0].resend);
  EXPECT_EQ(sent[1].email, "mia@example.com");
  EXPECT_EQ(sent[1].role, "member");
  EXPECT_EQ(sent[2].invite_id, bill);
  EXPECT_TRUE(sent[2].resend);
  EXPECT_EQ(sent[2].email, "Bill@Example.com");
  EXPECT_EQ(failed_calls_, 2);

  // After a restart, only what is new is sent.
  Open();
  Run(domain::InviteMember{"noah@example.com", "admin"});
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (Sent().size() < 4 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  sent = Sent();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[3].email, "noah@example.com");
}

}  // namespace
}  // namespace orgledger::projections
