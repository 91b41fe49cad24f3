// The mail queue between the engine's outbox and a transport (SMTP, or the
// development sink): each organization's emails in log order, one at a
// time, retried with backoff; organizations independent of each other, so
// one whose emails fail does not hold back another's. A permanent refusal
// is given up after its tries. Every email taken is done (delivered or
// given up) once, so the outbox's checkpoint moves past it. Thread-safe.
#ifndef ORGLEDGER_TOOLS_MAIL_MAILER_H_
#define ORGLEDGER_TOOLS_MAIL_MAILER_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "projections/outbox.h"
#include "tools/mail/smtp.h"

namespace spdlog {
class logger;
}  // namespace spdlog

namespace orgledger::mail {

// Delivers one email; runs on one of the mailer's threads.
using Transport = std::function<SendResult(const projections::InviteEmail&)>;

struct MailerOptions {
  int threads = 2;
  // The first retry's pause, doubled each time up to the last.
  std::chrono::milliseconds first_retry{1000};
  std::chrono::milliseconds last_retry{300000};
  // A permanent refusal (SMTP 5xx) is tried this many times in all.
  int permanent_tries = 3;
  // Emails queued at most; past it the outbox waits.
  std::size_t max_queued = 10000;
};

struct MailerCounts {
  std::uint64_t sent = 0;
  std::uint64_t retried = 0;   // failed tries that are tried again
  std::uint64_t given_up = 0;  // permanently refused
  std::uint64_t queued = 0;    // now
};

// What became of an email given up: its invitation and the server's words.
using GivenUp =
    std::function<void(const projections::InviteEmail&, const SendResult&)>;

class Mailer {
 public:
  Mailer(Transport transport, MailerOptions options,
         std::shared_ptr<spdlog::logger> log, GivenUp given_up = {});
  // Stop()s.
  ~Mailer();
  Mailer(const Mailer&) = delete;
  Mailer& operator=(const Mailer&) = delete;

  // The outbox's acceptor (projections::InviteEmailAcceptor).
  bool Accept(const projections::InviteEmail& email,
              projections::InviteEmailDone done);
  projections::InviteEmailAcceptor Acceptor() {
    return [this](const projections::InviteEmail& e,
                  projections::InviteEmailDone done) {
      return Accept(e, std::move(done));
    };
  }

  MailerCounts counts() const;

  // Finishes the tries in progress and stops: what is still queued is not
  // done (the outbox's checkpoint stays before it: sent after a restart).
  // No `done` is called after it returns.
  void Stop();

 private:
  struct Item {
    projections::InviteEmail email;
    projections::InviteEmailDone done;
    int tries = 0;
    int permanent = 0;
    std::chrono::steady_clock::time_point not_before;
  };
  void Work();
  std::chrono::milliseconds Backoff(int tries) const;

  const Transport transport_;
  const MailerOptions options_;
  const std::shared_ptr<spdlog::logger> log_;
  const GivenUp given_up_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::map<std::string, std::deque<Item>> queues_;  // by organization
  std::set<std::string> busy_;  // organizations a thread sends for now
  std::size_t queued_ = 0;
  MailerCounts counts_;
  std::vector<std::thread> threads_;
};

}  // namespace orgledger::mail

#endif  // ORGLEDGER_TOOLS_MAIL_MAILER_H_
