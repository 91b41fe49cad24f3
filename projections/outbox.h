// Outbox: delivers the invitation emails the log asks for (InviteSent on
// the email channel, InviteResent) to a host callback that sends them. It
// keeps its own checkpoint in the StateStore, written after the callback
// returned: delivery is at-least-once and survives restarts (a crash after
// sending and before the checkpoint sends that email again). Thread-safe.
#ifndef ORGLEDGER_PROJECTIONS_OUTBOX_H_
#define ORGLEDGER_PROJECTIONS_OUTBOX_H_

#include <functional>
#include <memory>
#include <string>

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

class Outbox {
 public:
  // Starts delivering from the checkpoint of consumer `name` (created at
  // 0 the first time: every email in the log).
  static Result<std::unique_ptr<Outbox>> Start(
      eventstore::EventStore* store, std::string name, InviteEmailSender sender,
      std::shared_ptr<spdlog::logger> logger);

  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;
  ~Outbox();

  // The last position whose emails were all handed over.
  eventstore::Position checkpoint() const { return notifier_.Get(); }
  bool WaitFor(eventstore::Position p, std::chrono::milliseconds timeout) {
    return notifier_.WaitFor(p, timeout);
  }

 private:
  Outbox(eventstore::EventStore* store, std::string name,
         InviteEmailSender sender, std::shared_ptr<spdlog::logger> logger);
  bool OnBatch(const std::vector<eventstore::RecordedEvent>& batch);

  eventstore::EventStore* const store_;
  const std::string name_;
  const InviteEmailSender sender_;
  const std::shared_ptr<spdlog::logger> logger_;
  eventstore::Position checkpoint_ = 0;  // the subscription thread's
  eventstore::PositionNotifier notifier_;
  std::unique_ptr<eventstore::Subscription> subscription_;  // last
};

}  // namespace orgledger::projections

#endif  // ORGLEDGER_PROJECTIONS_OUTBOX_H_
