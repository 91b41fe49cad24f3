#include "projections/outbox.h"

#include <spdlog/logger.h>

#include "projections/projection.h"

namespace orgledger::projections {
namespace {

// Keys: "o" 0x00 name -> checkpoint:fixed64; "e" 0x00 name 0x00 org 0x00
// invite_id -> the pending email invitation (for re-sends).
std::string CheckpointKey(const std::string& name) {
  std::string k("o");
  k.push_back('\0');
  return k + name;
}

std::string InviteKey(const std::string& name, const std::string& org,
                      const std::string& invite_id) {
  std::string k("e");
  k.push_back('\0');
  k += name;
  k.push_back('\0');
  k += org;
  k.push_back('\0');
  return k + invite_id;
}

struct PendingEmail {
  std::string role;
  std::string email;
  std::string invited_by;
  template <class IO>
  void Fields(IO& io) {
    io(role), io(email), io(invited_by);
  }
};

}  // namespace

Outbox::Outbox(eventstore::EventStore* store, std::string name,
               InviteEmailSender sender, std::shared_ptr<spdlog::logger> logger)
    : store_(store),
      name_(std::move(name)),
      sender_(std::move(sender)),
      logger_(std::move(logger)) {}

Outbox::~Outbox() { subscription_.reset(); }

Result<std::unique_ptr<Outbox>> Outbox::Start(
    eventstore::EventStore* store, std::string name, InviteEmailSender sender,
    std::shared_ptr<spdlog::logger> logger) {
  std::unique_ptr<Outbox> outbox(
      new Outbox(store, std::move(name), std::move(sender), std::move(logger)));
  Result<std::optional<std::string>> cp =
      store->state().Get(CheckpointKey(outbox->name_));
  if (!cp.ok()) return cp.status();
  if (cp->has_value()) {
    std::string_view in = **cp;
    if (!eventstore::GetFixed64BE(&in, &outbox->checkpoint_)) {
      return Corruption("damaged checkpoint of outbox " + outbox->name_);
    }
  }
  if (outbox->checkpoint_ > 0) outbox->notifier_.Publish(outbox->checkpoint_);
  Outbox* raw = outbox.get();
  outbox->subscription_ = store->SubscribeBatches(
      outbox->checkpoint_ + 1,
      [raw](const std::vector<eventstore::RecordedEvent>& batch,
            const std::atomic<bool>&) { return raw->OnBatch(batch); });
  return outbox;
}

bool Outbox::OnBatch(const std::vector<eventstore::RecordedEvent>& batch) {
  StateTx tx(&store_->state(), "");
  eventstore::Position done = checkpoint_;
  bool all = true;
  for (const eventstore::RecordedEvent& recorded : batch) {
    if (recorded.position <= done) continue;
    Result<ProjectedEvent> e = DecodeProjected(recorded);
    if (!e.ok()) {
      if (logger_)
        logger_->error("outbox {}: {}", name_, e.status().ToString());
      all = false;
      break;
    }
    std::optional<InviteEmail> email;
    if (const auto* sent = std::get_if<domain::InviteSent>(&e->event)) {
      if (sent->channel == domain::Channel::kEmail) {
        PendingEmail p{std::string(domain::RoleName(sent->role)), sent->email,
                       sent->invited_by};
        tx.PutRow(InviteKey(name_, e->org, sent->invite_id), p);
        email = InviteEmail{e->position, e->org,       sent->invite_id, p.role,
                            p.email,     p.invited_by, sent->sent_at,   false};
      }
    } else if (const auto* resent =
                   std::get_if<domain::InviteResent>(&e->event)) {
      Result<std::optional<PendingEmail>> p =
          tx.GetRow<PendingEmail>(InviteKey(name_, e->org, resent->invite_id));
      if (!p.ok()) {
        all = false;
        break;
      }
      if (p->has_value()) {
        email = InviteEmail{e->position,     e->org,      resent->invite_id,
                            (*p)->role,      (*p)->email, (*p)->invited_by,
                            resent->sent_at, true};
      }
    } else if (const auto* a = std::get_if<domain::InviteAccepted>(&e->event)) {
      tx.Delete(InviteKey(name_, e->org, a->invite_id));
    } else if (const auto* r = std::get_if<domain::InviteRevoked>(&e->event)) {
      tx.Delete(InviteKey(name_, e->org, r->invite_id));
    }
    if (email.has_value() && !sender_(*email)) {
      all = false;  // not handed over: this event again, later
      break;
    }
    done = recorded.position;
  }
  if (done > checkpoint_) {
    eventstore::StateBatch write;
    tx.CommitTo(&write);
    write.Put(CheckpointKey(name_), eventstore::EncodeFixed64BE(done));
    Status s = store_->state().Write(write);
    if (!s.ok()) {
      if (logger_) logger_->error("outbox {}: {}", name_, s.ToString());
      return false;
    }
    checkpoint_ = done;
    notifier_.Publish(done);
  }
  return all;
}

}  // namespace orgledger::projections
