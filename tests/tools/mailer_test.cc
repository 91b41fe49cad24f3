// The mail queue (tools/mail/mailer.h) with a scripted transport, in one
// process (and under ThreadSanitizer): per-organization order, one
// organization's failures not holding back another's, a permanent refusal
// given up after its tries, every taken email done exactly once, the queue's
// limit, and Stop().
#include "tools/mail/mailer.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace orgledger::mail {
namespace {

using namespace std::chrono_literals;

projections::InviteEmail Email(eventstore::Position p, const std::string& org,
                               const std::string& to) {
  projections::InviteEmail e;
  e.position = p;
  e.org = org;
  e.invite_id = "inv-" + std::to_string(p);
  e.role = "billing_manager";
  e.email = to;
  return e;
}

// A transport whose answers depend on the recipient: fail-N-... fails
// (transient) its first N tries, reject-... is refused for good.
class Script {
 public:
  SendResult Send(const projections::InviteEmail& e) {
    std::lock_guard<std::mutex> lock(mu_);
    const int n = ++tries_[e.email];
    if (e.email.starts_with("reject-")) {
      return {SendResult::Kind::kPermanent, 550, "no such mailbox"};
    }
    if (e.email.starts_with("fail-") && n <= e.email[5] - '0') {
      return {SendResult::Kind::kTransient, 451, "later"};
    }
    sent_.push_back(e.email);
    return {SendResult::Kind::kSent, 250, ""};
  }
  std::vector<std::string> sent() {
    std::lock_guard<std::mutex> lock(mu_);
    return sent_;
  }
  int tries(const std::string& to) {
    std::lock_guard<std::mutex> lock(mu_);
    return tries_[to];
  }

 private:
  std::mutex mu_;
  std::map<std::string, int> tries_;
  std::vector<std::string> sent_;
};

MailerOptions Fast() {
  MailerOptions o;
  o.first_retry = 20ms;
  o.last_retry = 100ms;
  return o;
}

bool Eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 400 && !done(); ++i) std::this_thread::sleep_for(10ms);
  return done();
}

TEST(Mailer, KeepsEachOrganizationsOrderWithoutHoldingBackOthers) {
  Script script;
  Mailer mailer([&](const auto& e) { return script.Send(e); }, Fast(),
                spdlog::default_logger());
  std::atomic<int> done{0};
  auto count = [&] { ++done; };
  ASSERT_TRUE(mailer.Accept(Email(1, "a", "fail-3@a.example"), count));
  ASSERT_TRUE(mailer.Accept(Email(2, "a", "second@a.example"), count));
  ASSERT_TRUE(mailer.Accept(Email(3, "b", "b@b.example"), count));
  ASSERT_TRUE(Eventually([&] { return done.load() == 3; }));
  EXPECT_EQ(script.sent(),
            (std::vector<std::string>{"b@b.example", "fail-3@a.example",
                                      "second@a.example"}));
  EXPECT_EQ(script.tries("fail-3@a.example"), 4);
  const MailerCounts c = mailer.counts();
  EXPECT_EQ(c.sent, 3u);
  EXPECT_EQ(c.retried, 3u);
  EXPECT_EQ(c.queued, 0u);
}

TEST(Mailer, GivesUpAPermanentRefusalAfterItsTriesAndGoesOn) {
  Script script;
  std::vector<std::string> given_up;
  std::mutex mu;
  Mailer mailer(
      [&](const auto& e) { return script.Send(e); }, Fast(),
      spdlog::default_logger(),
      [&](const projections::InviteEmail& e, const SendResult& r) {
        std::lock_guard<std::mutex> lock(mu);
        given_up.push_back(e.invite_id + " " + std::to_string(r.smtp_code));
      });
  std::atomic<int> done{0};
  ASSERT_TRUE(
      mailer.Accept(Email(1, "a", "reject-1@a.example"), [&] { ++done; }));
  ASSERT_TRUE(mailer.Accept(Email(2, "a", "next@a.example"), [&] { ++done; }));
  ASSERT_TRUE(Eventually([&] { return done.load() == 2; }));
  EXPECT_EQ(script.tries("reject-1@a.example"), 3);
  EXPECT_EQ(script.sent(), std::vector<std::string>{"next@a.example"});
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(given_up, std::vector<std::string>{"inv-1 550"});
  EXPECT_EQ(mailer.counts().given_up, 1u);
}

TEST(Mailer, AFullQueueRefusesAndAStoppedOneLeavesWhatItHeldUndone) {
  Script script;
  MailerOptions o = Fast();
  o.max_queued = 2;
  o.first_retry = 10s;  // the failing email stays queued
  o.last_retry = 10s;
  Mailer mailer([&](const auto& e) { return script.Send(e); }, o,
                spdlog::default_logger());
  std::atomic<int> done{0};
  ASSERT_TRUE(
      mailer.Accept(Email(1, "a", "fail-9@a.example"), [&] { ++done; }));
  ASSERT_TRUE(mailer.Accept(Email(2, "a", "x@a.example"), [&] { ++done; }));
  EXPECT_FALSE(mailer.Accept(Email(3, "b", "y@b.example"), [&] { ++done; }))
      << "over the limit: the outbox offers it again later";
  ASSERT_TRUE(
      Eventually([&] { return script.tries("fail-9@a.example") == 1; }));
  mailer.Stop();
  EXPECT_EQ(done.load(), 0) << "neither was delivered: both stay undone";
  EXPECT_FALSE(mailer.Accept(Email(4, "c", "z@c.example"), [&] { ++done; }));
}

}  // namespace
}  // namespace orgledger::mail
