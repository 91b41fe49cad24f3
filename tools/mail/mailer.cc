#include "tools/mail/mailer.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace orgledger::mail {

using Clock = std::chrono::steady_clock;

Mailer::Mailer(Transport transport, MailerOptions options,
               std::shared_ptr<spdlog::logger> log, GivenUp given_up)
    : transport_(std::move(transport)),
      options_(options),
      log_(std::move(log)),
      given_up_(std::move(given_up)) {
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    threads_.emplace_back([this] { Work(); });
  }
}

Mailer::~Mailer() { Stop(); }

bool Mailer::Accept(const projections::InviteEmail& email,
                    projections::InviteEmailDone done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || queued_ >= options_.max_queued) return false;
    queues_[email.org].push_back(Item{email, std::move(done), 0, 0, {}});
    ++queued_;
  }
  cv_.notify_one();
  return true;
}

MailerCounts Mailer::counts() const {
  std::lock_guard<std::mutex> lock(mu_);
  MailerCounts c = counts_;
  c.queued = queued_;
  return c;
}

void Mailer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

std::chrono::milliseconds Mailer::Backoff(int tries) const {
  auto pause = options_.first_retry;
  for (int i = 1; i < tries && pause < options_.last_retry; ++i) pause *= 2;
  return std::min(pause, options_.last_retry);
}

void Mailer::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (stopping_) return;
    // The organization whose first email is due soonest, among those no
    // other thread sends for.
    std::string org;
    Clock::time_point due = Clock::time_point::max();
    for (const auto& [name, queue] : queues_) {
      if (queue.empty() || busy_.contains(name)) continue;
      if (queue.front().not_before < due) {
        due = queue.front().not_before;
        org = name;
      }
    }
    if (org.empty()) {
      cv_.wait(lock);
      continue;
    }
    if (due > Clock::now()) {
      cv_.wait_until(lock, due);
      continue;
    }
    busy_.insert(org);
    Item item = queues_[org].front();  // stays first while it is tried
    lock.unlock();
    const SendResult r = transport_(item.email);
    lock.lock();
    busy_.erase(org);
    std::deque<Item>& queue = queues_[org];
    Item& front = queue.front();
    front.tries += 1;
    if (r.kind == SendResult::Kind::kPermanent) front.permanent += 1;
    const bool sent = r.kind == SendResult::Kind::kSent;
    const bool give_up = !sent && front.permanent >= options_.permanent_tries;
    if (sent || give_up) {
      projections::InviteEmailDone done = std::move(front.done);
      const projections::InviteEmail email = front.email;
      queue.pop_front();
      if (queue.empty()) queues_.erase(org);
      --queued_;
      if (sent) {
        counts_.sent += 1;
      } else {
        counts_.given_up += 1;
      }
      lock.unlock();
      if (give_up) {
        // Never a token: an email invitation has none (links send no email).
        log_->error(
            "mail: gave up the invitation email {} of {} to {} after {} "
            "tries: {}",
            email.invite_id, email.org, email.email, item.tries + 1, r.detail);
        if (given_up_) given_up_(email, r);
      }
      done();
      lock.lock();
    } else {
      counts_.retried += 1;
      const auto pause = Backoff(front.tries);
      front.not_before = Clock::now() + pause;
      log_->warn(
          "mail: the invitation email {} of {} to {} failed (try {}), again "
          "in {} ms: {}",
          front.email.invite_id, org, front.email.email, front.tries,
          pause.count(), r.detail);
    }
    cv_.notify_all();
  }
}

}  // namespace orgledger::mail
