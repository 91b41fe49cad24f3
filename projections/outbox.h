// Outbox: delivers the invitation emails the log asks for (InviteSent on
// the email channel, InviteResent) to a host callback that sends them. It
// keeps its own checkpoint in the StateStore, written after the callback
// returned: delivery is at-least-once and survives restarts (a crash after
// sending and before the checkpoint sends that email again). Thread-safe.
//
// On a store several processes share (EventStore::shared()), one outbox
// at a time delivers: the holder of the store's lease named after it. Every
// outbox follows the log (keeping the pending invitations a re-send needs)
// but only the holder sends, and it moves the lease's checkpoint after each
// batch. An outbox that takes the lease over (the holder stopped renewing
// it) delivers again from that checkpoint: at least once overall.
#ifndef ORGLEDGER_PROJECTIONS_OUTBOX_H_
#define ORGLEDGER_PROJECTIONS_OUTBOX_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "eventstore/event_store.h"
#include "eventstore/position_notifier.h"

namespace spdlog {
class logger;
}  // namespace spdlog

namespace orgledger::projections {

// One email to send. Never a link token: link invitations send no email.
struct InviteEmail {
  eventstore::Position position = 0;  // of the InviteSent/InviteResent
  std::string org;
  std::string invite_id;
  std::string role;   // "admin" | "member" | "billing_manager"
  std::string email;  // as given
  std::string invited_by;
  std::int64_t sent_at = 0;
  bool resend = false;
};

// Returns true once the email is handed over; false to be called again
// with the same email later (after a pause). Runs on the outbox's thread.
using InviteEmailSender = std::function<bool(const InviteEmail&)>;

// A sender that delivers later, in its own order (a mail queue): takes
// `email` and returns true, then calls `done` once, from any thread, when
// the email is delivered or given up; or returns false when it cannot
// take it now (offered again after a pause). The outbox's checkpoint
// stays before every email taken and not done, so a restart delivers
// those again. Runs on the outbox's thread; `done` must not be called
// after the outbox is destroyed.
using InviteEmailDone = std::function<void()>;
using InviteEmailAcceptor =
    std::function<bool(const InviteEmail&, InviteEmailDone)>;
// A sender as an acceptor that is done as soon as it handed over.
InviteEmailAcceptor AcceptorOf(InviteEmailSender sender);

// The engine's outbox of invitation emails.
inline constexpr char kInviteOutbox[] = "invite_email";

// The checkpoint outbox `name` keeps in `state` (0 when it has none).
Result<eventstore::Position> ReadOutboxCheckpoint(eventstore::StateStore& state,
                                                  const std::string& name);

// Hands the delivery of outbox `name` on a shared store `to` over from
// `checkpoint` (`orgledger migrate`: the emails the old store's outbox had
// sent are not sent again): the first replica to take the lease goes on
// from there, within `ttl`.
Status HandOverOutbox(eventstore::EventStore& to, const std::string& name,
                      eventstore::Position checkpoint,
                      std::chrono::milliseconds ttl);

// Who this outbox is among those sharing a store, and how long its lease
// lasts unrenewed (it is renewed every third of that).
struct OutboxLease {
  std::string holder;
  std::chrono::milliseconds ttl{10000};
};

// The first start of an outbox on a log that already has invitations
// (SPEC §9): with `backlog`, the emails of the log as it was then are not
// all sent, only those of invitations still pending whose last email went
// out within `backlog` of now (`now`, microseconds since the epoch); the
// later ones all are. Without it (or past the first start), every email
// after the checkpoint is sent.
struct OutboxBacklog {
  std::optional<std::chrono::microseconds> backlog;
  std::function<std::int64_t()> now;
};

class Outbox {
 public:
  // Starts delivering from the checkpoint of consumer `name` (created at
  // 0 the first time: every email in the log). On a shared store `lease`
  // says who this one is; it takes the lease at once when it is free.
  static Result<std::unique_ptr<Outbox>> Start(
      eventstore::EventStore* store, std::string name,
      InviteEmailAcceptor accept, std::shared_ptr<spdlog::logger> logger,
      OutboxLease lease = {}, OutboxBacklog backlog = {});

  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;
  ~Outbox();

  // The last position whose emails were all handed over (and done).
  eventstore::Position checkpoint() const { return notifier_.Get(); }
  bool WaitFor(eventstore::Position p, std::chrono::milliseconds timeout) {
    return notifier_.WaitFor(p, timeout);
  }
  // Whether this outbox sends (always on a store one process owns).
  bool delivering() const { return holding_.load(); }

 private:
  Outbox(eventstore::EventStore* store, std::string name,
         InviteEmailAcceptor accept, std::shared_ptr<spdlog::logger> logger,
         OutboxLease lease, OutboxBacklog backlog);
  bool OnBatch(const std::vector<eventstore::RecordedEvent>& batch);
  // Offers `email` to the acceptor, tracked in flight until its done.
  bool Offer(const InviteEmail& email);
  // The first start's backlog, once its end is followed: offers what it
  // keeps (false: not all taken yet).
  bool FlushBacklog();
  // An email taken earlier is done: the checkpoint may move.
  void Done(eventstore::Position position);
  // The checkpoint that may be written: before every email in flight,
  // at most `followed`. REQUIRES: flight_mu_ held.
  eventstore::Position Durable(eventstore::Position followed) const;
  // Writes `batch` (rows) with the checkpoint Durable() allows, moves the
  // lease's and publishes it. False when the lease was lost or the write
  // failed.
  bool Persist(eventstore::StateBatch batch);
  // Takes or renews the lease; on taking it, follows the log again from
  // the lease's checkpoint. REQUIRES: subscription_mu_ not held.
  void Renew();
  void LeaseLoop();
  // Delivers (or, unleased to it, follows) from `from`.
  // REQUIRES: subscription_mu_ held, no subscription running.
  void SubscribeFrom(eventstore::Position from);

  eventstore::EventStore* const store_;
  const std::string name_;
  const InviteEmailAcceptor accept_;
  const std::shared_ptr<spdlog::logger> logger_;
  const OutboxLease lease_;
  const bool leased_;  // the store is shared
  std::atomic<bool> holding_{false};
  eventstore::Position checkpoint_ = 0;  // followed (the subscription's)
  eventstore::PositionNotifier notifier_;

  // Emails taken and not done, by position; what was followed and written.
  mutable std::mutex flight_mu_;
  std::set<eventstore::Position> in_flight_;
  eventstore::Position followed_ = 0;
  eventstore::Position written_ = 0;

  // The first start's backlog (OutboxBacklog): kept until the log as it
  // was at start is followed, then flushed. The subscription thread's.
  const OutboxBacklog backlog_options_;
  eventstore::Position collect_until_ = 0;  // 0: not collecting
  std::map<std::pair<std::string, std::string>, InviteEmail> backlog_;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread lease_thread_;

  std::mutex subscription_mu_;
  std::unique_ptr<eventstore::Subscription> subscription_;  // last
};

}  // namespace orgledger::projections

#endif  // ORGLEDGER_PROJECTIONS_OUTBOX_H_
