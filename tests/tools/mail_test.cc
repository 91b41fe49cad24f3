// Invitation emails from a real `orgledger serve` to a real SMTP server
// on loopback (tests/tools/smtp_server.py, Debian's python3-aiosmtpd): the
// message and its URL, per-organization order, one organization's failing
// email not holding back another's, a permanent refusal given up and
// counted, delivery across a restart, authentication, STARTTLS required,
// the first start's backlog, the flags' errors, and link URLs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/testing/child_process.h"
#include "tests/testing/test_dir.h"
#include "tests/tools/serve_fixture.h"

namespace orgledger::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr char kPublicUrl[] = "http://pages.example";

// The test's SMTP server: every message it accepted, in order.
class SmtpServer {
 public:
  SmtpServer(const TestDir& dir, const std::string& name,
             std::vector<std::string> extra = {})
      : maildir_(dir.Sub(name)) {
    fs::create_directories(maildir_);
    std::vector<std::string> args = {
        std::string(ORGLEDGER_SOURCE_DIR) + "/tests/tools/smtp_server.py",
        maildir_};
    args.insert(args.end(), extra.begin(), extra.end());
    process_ = std::make_unique<ChildProcess>("/usr/bin/python3", args,
                                              dir.Sub(name + ".log"));
    EXPECT_TRUE(process_->WaitFor("\n", 20s))
        << "the SMTP server did not start";
    port_ = std::atoi(process_->output().c_str() + 10);
  }
  ~SmtpServer() { process_->Kill(); }
  std::string url() const {
    return "smtp://127.0.0.1:" + std::to_string(port_);
  }
  int port() const { return port_; }
  void Stop() { process_->Kill(); }

  // The messages received, oldest first.
  std::vector<std::string> Messages() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(maildir_)) {
      if (e.path().extension() == ".eml") names.push_back(e.path().string());
    }
    std::sort(names.begin(), names.end());
    std::vector<std::string> out;
    for (const std::string& n : names) {
      std::ifstream in(n, std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      out.push_back(text.str());
    }
    return out;
  }
  // Waits until `n` messages arrived (at most `limit`).
  std::vector<std::string> WaitFor(std::size_t n,
                                   std::chrono::seconds limit = 20s) const {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    std::vector<std::string> got = Messages();
    while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(50ms);
      got = Messages();
    }
    return got;
  }

 private:
  std::string maildir_;
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
};

// To whom a message went (its envelope).
std::string To(const std::string& message) {
  const std::string key = "X-Envelope-To: ";
  const std::size_t at = message.find(key);
  return message.substr(at + key.size(),
                        message.find("\r\n", at) - at - key.size());
}

std::vector<std::string> MailFlags(const SmtpServer& smtp) {
  return {
      "--smtp",       smtp.url(), "--mail-from",  "billing@orgledger.example",
      "--public-url", kPublicUrl, "--mail-retry", "0.2"};
}

class Mail : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> flags) {
    client_.reset();
    server_.reset();
    server_ = std::make_unique<Server>(dir_, std::move(flags));
    client_ = std::make_unique<Client>(server_->port());
  }
  json::value Run(const std::string& op, json::object fields,
                  const std::string& org = "acme") {
    Reply r = client_->Post("/v1/commands",
                            Command(op, "u-" + org, std::move(fields), org));
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body);
  }
  std::string Invite(const std::string& email,
                     const std::string& org = "acme") {
    json::value v = Run("invite_billing_manager", {{"email", email}}, org);
    return std::string(v.at("invite_id").as_string());
  }
  std::string Metrics() { return client_->Get("/metrics", kAdminBearer).body; }
  // A moment later the invitation is neither delivered nor counted sent,
  // and was tried again (it waits); `why` is said when it was not.
  void ExpectWaitingAndTriedAgain(const SmtpServer& smtp,
                                  const std::string& why) {
    std::this_thread::sleep_for(1500ms);
    EXPECT_TRUE(smtp.Messages().empty());
    const std::string metrics = Metrics();
    EXPECT_NE(metrics.find("orgledger_mail_sent_total 0"), std::string::npos)
        << metrics;
    EXPECT_EQ(metrics.find("orgledger_mail_retried_total 0"), std::string::npos)
        << why << ": " << metrics;
  }

  TestDir dir_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<Client> client_;
};

TEST_F(Mail, AnInvitationArrivesWithItsPageUrl) {
  SmtpServer smtp(dir_, "smtp");
  Start(MailFlags(smtp));
  Run("create_organization", {{"edition", "enterprise"}});
  const std::string id = Invite("bill@example.com");
  std::vector<std::string> got = smtp.WaitFor(1);
  ASSERT_EQ(got.size(), 1u);
  const std::string& m = got[0];
  EXPECT_EQ(To(m), "bill@example.com");
  EXPECT_NE(m.find("From: billing@orgledger.example"), std::string::npos) << m;
  EXPECT_NE(m.find("Subject: You are invited to join acme as a Billing "
                   "Manager"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find(std::string(kPublicUrl) + "/orgs/acme/invites/" + id),
            std::string::npos)
      << m;
  EXPECT_NE(Metrics().find("orgledger_mail_sent_total 1"), std::string::npos);
}

TEST_F(Mail, OneOrganizationsFailureHoldsBackOnlyItsOwnLaterEmails) {
  SmtpServer smtp(dir_, "smtp");
  Start(MailFlags(smtp));
  Run("create_organization", {{"edition", "enterprise"}});
  Run("create_organization", {{"edition", "enterprise"}}, "other");
  // acme: refused twice (transient), then accepted; its next email waits
  // for it. other: goes out meanwhile.
  Invite("flaky-1@example.com");
  Invite("next@example.com");
  Invite("b@example.com", "other");
  std::vector<std::string> got = smtp.WaitFor(3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(To(got[0]), "b@example.com");
  EXPECT_EQ(To(got[1]), "flaky-1@example.com");
  EXPECT_EQ(To(got[2]), "next@example.com");
  EXPECT_NE(Metrics().find("orgledger_mail_retried_total 2"), std::string::npos)
      << Metrics();
}

TEST_F(Mail, APermanentRefusalIsGivenUpAndCounted) {
  SmtpServer smtp(dir_, "smtp");
  Start(MailFlags(smtp));
  Run("create_organization", {{"edition", "enterprise"}});
  Invite("reject-1@example.com");
  Invite("after@example.com");
  std::vector<std::string> got = smtp.WaitFor(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(To(got[0]), "after@example.com");
  const std::string metrics = Metrics();
  EXPECT_NE(metrics.find("orgledger_mail_given_up_total 1"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("orgledger_mail_retried_total 2"), std::string::npos)
      << metrics;
  // The admins see it on the pending invitation, in the server's words;
  // the log has it as an event.
  json::value invite;
  for (int i = 0; i < 100; ++i) {
    Reply r = client_->Post("/v1/views", View("invites", "u-acme"));
    invite = json::parse(r.body).at("invites").at(0);
    if (!invite.at("email_error").is_null()) break;
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_FALSE(invite.at("email_error").is_null()) << invite;
  EXPECT_NE(std::string(invite.at("email_error").at("reason").as_string())
                .find("550"),
            std::string::npos)
      << invite;
  EXPECT_TRUE(invite.at("last_error").is_null());
}

TEST_F(Mail, WhatWasNotSentBeforeARestartIsSentAfterIt) {
  auto smtp = std::make_unique<SmtpServer>(dir_, "smtp");
  std::vector<std::string> flags = MailFlags(*smtp);
  smtp->Stop();  // the server is down: the email waits
  Start(flags);
  Run("create_organization", {{"edition", "enterprise"}});
  Invite("later@example.com");
  std::this_thread::sleep_for(500ms);
  server_->process().Signal(SIGTERM);
  EXPECT_EQ(server_->process().Wait(), 0);
  // A server that is up this time.
  smtp.reset();
  SmtpServer again(dir_, "smtp2");
  flags[1] = again.url();
  Start(flags);
  std::vector<std::string> got = again.WaitFor(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(To(got[0]), "later@example.com");
}

TEST_F(Mail, AuthenticatesWithTheUserAndThePasswordFile) {
  SmtpServer smtp(dir_, "smtp", {"--auth", "mailer:s3cret"});
  WritePrivateText(dir_.Sub("smtp-password"), "s3cret\n");
  std::vector<std::string> flags = MailFlags(smtp);
  flags.insert(flags.end(), {"--smtp-user", "mailer", "--smtp-password-file",
                             dir_.Sub("smtp-password")});
  Start(flags);
  Run("create_organization", {{"edition", "enterprise"}});
  Invite("bill@example.com");
  ASSERT_EQ(smtp.WaitFor(1).size(), 1u);
}

TEST_F(Mail, StartTlsRequiredRefusesAServerWithoutIt) {
  SmtpServer smtp(dir_, "smtp");
  std::vector<std::string> flags = MailFlags(smtp);
  flags.insert(flags.end(), {"--smtp-tls", "required"});
  Start(flags);
  Run("create_organization", {{"edition", "enterprise"}});
  Invite("bill@example.com");
  ExpectWaitingAndTriedAgain(smtp, "not tried again");
  std::ifstream log(dir_.Sub("server.log"));
  std::stringstream text;
  text << log.rdbuf();
  EXPECT_NE(text.str().find("does not offer STARTTLS"), std::string::npos)
      << text.str();
}

// A server certificate for 127.0.0.1 (its own CA: self-signed, one day).
std::string MakeCertificate(const TestDir& dir) {
  const std::string cert = dir.Sub("smtp-cert.pem");
  const std::string command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
      "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -days 1 "
      "-keyout " +
      dir.Sub("smtp-key.pem") + " -out " + cert + " 2>" +
      dir.Sub("openssl.log");
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  return cert;
}

TEST_F(Mail, StartTlsToACertificateOfTheGivenCaDeliversAndToAnUntrustedOneNot) {
  const std::string cert = MakeCertificate(dir_);
  SmtpServer smtp(dir_, "smtp", {"--tls", cert, dir_.Sub("smtp-key.pem")});
  std::vector<std::string> flags = MailFlags(smtp);
  flags.insert(flags.end(), {"--smtp-tls", "required"});
  // Not trusted (the system's CAs): never sent in clear instead.
  Start(flags);
  Run("create_organization", {{"edition", "enterprise"}});
  Invite("bill@example.com");
  ExpectWaitingAndTriedAgain(
      smtp, "an untrusted certificate is tried again (an operator may fix it)");
  // Trusted: the waiting email goes, over TLS (the server takes nothing
  // before STARTTLS).
  flags.insert(flags.end(), {"--smtp-ca-file", cert});
  Start(flags);
  const std::vector<std::string> got = smtp.WaitFor(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(To(got[0]), "bill@example.com");
}

TEST_F(Mail, TheFirstStartSendsOnlyRecentPendingInvitations) {
  // A database with invitations before mail was turned on.
  Start({});
  Run("create_organization", {{"edition", "enterprise"}});
  Invite("old@example.com");
  std::this_thread::sleep_for(4s);
  Invite("recent@example.com");
  const std::string revoked = Invite("revoked@example.com");
  Run("revoke_invite", {{"invite_id", revoked}});
  server_->process().Signal(SIGTERM);
  EXPECT_EQ(server_->process().Wait(), 0);
  SmtpServer smtp(dir_, "smtp");
  std::vector<std::string> flags = MailFlags(smtp);
  flags.insert(flags.end(), {"--mail-backlog", "3s"});
  Start(flags);
  std::vector<std::string> got = smtp.WaitFor(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(To(got[0]), "recent@example.com");
  // And what comes after is sent.
  Invite("new@example.com");
  got = smtp.WaitFor(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(To(got[1]), "new@example.com");
}

TEST_F(Mail, LinkCreationsCarryTheJoinPageUrl) {
  Start({"--public-url", kPublicUrl});
  Run("create_organization", {{"edition", "enterprise"}});
  json::object link{{"op", "create_billing_manager_invite_link"},
                    {"org", "acme"},
                    {"actor", Person("u-acme")},
                    {"idempotency_key", "link-1"}};
  Reply r = client_->Post("/v1/commands", json::serialize(link));
  json::value v = json::parse(r.body);
  const std::string token(v.at("token").as_string());
  EXPECT_EQ(v.at("url").as_string(),
            std::string(kPublicUrl) + "/orgs/acme/join#token=" + token);
  // A replay has neither.
  json::value again =
      json::parse(client_->Post("/v1/commands", json::serialize(link)).body);
  EXPECT_TRUE(again.at("replayed").as_bool());
  EXPECT_FALSE(again.as_object().contains("token"));
  EXPECT_FALSE(again.as_object().contains("url"));
}

TEST(MailFlags, SmtpWithoutPublicUrlOrSenderIsAUsageError) {
  TestDir dir;
  WriteSecret(dir.Sub("secret"), kSecret);
  auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {
        "serve",       "--data",        dir.Sub("db"),    "--listen",
        "127.0.0.1:0", "--secret-file", dir.Sub("secret")};
    args.insert(args.end(), extra.begin(), extra.end());
    ChildProcess p("orgledger", args, dir.Sub("err"));
    const int rc = p.Wait();
    std::ifstream in(dir.Sub("err"));
    std::stringstream err;
    err << in.rdbuf();
    return std::make_pair(rc, err.str());
  };
  auto [rc, err] =
      run({"--smtp", "smtp://127.0.0.1:1", "--mail-from", "a@example.com"});
  EXPECT_NE(rc, 0);
  EXPECT_NE(err.find("--smtp needs --public-url"), std::string::npos) << err;
  std::tie(rc, err) =
      run({"--smtp", "smtp://127.0.0.1:1", "--public-url", kPublicUrl});
  EXPECT_NE(rc, 0);
  EXPECT_NE(err.find("--mail-from"), std::string::npos) << err;
  std::tie(rc, err) = run({"--smtp", "http://x", "--public-url", kPublicUrl,
                           "--mail-from", "a@example.com"});
  EXPECT_NE(rc, 0);
  EXPECT_NE(err.find("smtp:// URL"), std::string::npos) << err;
}

}  // namespace
}  // namespace orgledger::testing
