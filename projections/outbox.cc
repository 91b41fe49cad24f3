#include "projections/outbox.h"

#include <spdlog/logger.h>

#include <algorithm>

#include "privacy/sealing.h"
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
  // As the record holds it: sealed with the invitee's key (SPEC §10), so
  // that erasing them leaves nothing here to read.
  std::string email;
  std::string invited_by;
  template <class IO>
  void Fields(IO& io) {
    io(role), io(email), io(invited_by);
  }
};

}  // namespace

// The position a stored checkpoint holds (0 when there is none).
Result<eventstore::Position> CheckpointOf(
    const std::optional<std::string>& stored, const std::string& name) {
  eventstore::Position p = 0;
  if (stored.has_value()) {
    std::string_view in = *stored;
    if (!eventstore::GetFixed64BE(&in, &p)) {
      return Corruption("damaged checkpoint of outbox " + name);
    }
  }
  return p;
}

Result<eventstore::Position> ReadOutboxCheckpoint(eventstore::StateStore& state,
                                                  const std::string& name) {
  Result<std::optional<std::string>> cp = state.Get(CheckpointKey(name));
  if (!cp.ok()) return cp.status();
  return CheckpointOf(*cp, name);
}

Status HandOverOutbox(eventstore::EventStore& to, const std::string& name,
                      eventstore::Position checkpoint,
                      std::chrono::milliseconds ttl) {
  const std::string holder = "handover:" + name;
  Result<std::optional<eventstore::Position>> taken =
      to.TakeLease(name, holder, ttl);
  if (!taken.ok()) return taken.status();
  if (!taken->has_value()) {
    return Unavailable("the outbox " + name + " is delivering on that store");
  }
  Result<bool> moved = to.MoveLease(name, holder, checkpoint);
  if (!moved.ok()) return moved.status();
  if (!*moved) return Unavailable("the outbox " + name + "'s lease was taken");
  return Status::Ok();
}

InviteEmailAcceptor AcceptorOf(InviteEmailSender sender) {
  return [sender = std::move(sender)](const InviteEmail& email,
                                      const InviteEmailDone& done) {
    if (!sender(email)) return false;
    done();
    return true;
  };
}

Outbox::Outbox(eventstore::EventStore* store, std::string name,
               InviteEmailAcceptor accept,
               std::shared_ptr<spdlog::logger> logger, OutboxLease lease,
               OutboxBacklog backlog)
    : store_(store),
      name_(std::move(name)),
      accept_(std::move(accept)),
      logger_(std::move(logger)),
      lease_(std::move(lease)),
      leased_(store->shared()),
      holding_(!leased_),
      backlog_options_(std::move(backlog)) {}

Outbox::~Outbox() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (lease_thread_.joinable()) lease_thread_.join();
  std::lock_guard<std::mutex> lock(subscription_mu_);
  subscription_.reset();
}

Result<std::unique_ptr<Outbox>> Outbox::Start(
    eventstore::EventStore* store, std::string name, InviteEmailAcceptor accept,
    std::shared_ptr<spdlog::logger> logger, OutboxLease lease,
    OutboxBacklog backlog) {
  std::unique_ptr<Outbox> outbox(
      new Outbox(store, std::move(name), std::move(accept), std::move(logger),
                 std::move(lease), std::move(backlog)));
  Result<std::optional<std::string>> kept =
      store->state().Get(CheckpointKey(outbox->name_));
  if (!kept.ok()) return kept.status();
  Result<eventstore::Position> cp = CheckpointOf(*kept, outbox->name_);
  if (!cp.ok()) return cp.status();
  if (outbox->leased_ && outbox->lease_.holder.empty()) {
    return InvalidArgument("an outbox on a shared store needs a holder name");
  }
  // Never started on this database (no checkpoint): the log as it is now
  // is a backlog. On a shared store the lease's checkpoint says whether an
  // outbox delivered before (Renew moves past the backlog then).
  if (!kept->has_value() && outbox->backlog_options_.backlog.has_value()) {
    outbox->collect_until_ = store->CommittedPosition();
  }
  // Unleased, its checkpoint is what it handed over; leased, only once it
  // holds the lease (Renew).
  if (!outbox->leased_ && *cp > 0) outbox->notifier_.Publish(*cp);
  {
    std::lock_guard<std::mutex> lock(outbox->subscription_mu_);
    outbox->SubscribeFrom(*cp + 1);
  }
  if (outbox->leased_) {
    outbox->Renew();
    Outbox* raw = outbox.get();
    outbox->lease_thread_ = std::thread([raw] { raw->LeaseLoop(); });
  }
  return outbox;
}

void Outbox::SubscribeFrom(eventstore::Position from) {
  checkpoint_ = from - 1;
  {
    std::lock_guard<std::mutex> lock(flight_mu_);
    followed_ = from - 1;
    written_ = from - 1;
  }
  subscription_ = store_->SubscribeBatches(
      from, [this](const std::vector<eventstore::RecordedEvent>& batch,
                   const std::atomic<bool>&) { return OnBatch(batch); });
}

void Outbox::Renew() {
  Result<std::optional<eventstore::Position>> taken =
      store_->TakeLease(name_, lease_.holder, lease_.ttl);
  if (!taken.ok() || !taken->has_value()) {
    if (!taken.ok() && logger_) {
      logger_->warn("outbox {}: cannot renew its lease: {}", name_,
                    taken.status().ToString());
    }
    holding_ = false;  // another replica delivers, or may soon
    return;
  }
  if (holding_.load()) return;  // renewed
  // Taken: deliver what the last holder had not (from its checkpoint), or
  // go on from here when this outbox is behind it.
  const eventstore::Position shared = **taken;
  std::lock_guard<std::mutex> lock(subscription_mu_);
  subscription_.reset();  // waits for its handler to return
  if (shared > 0) {
    // Another replica's outbox delivered up to there: not a first start.
    std::lock_guard<std::mutex> flight(flight_mu_);
    collect_until_ = 0;
    backlog_.clear();
  }
  const eventstore::Position from = std::min(checkpoint_, shared) + 1;
  holding_ = true;
  if (logger_) {
    logger_->info("outbox {}: {} delivers, from position {}", name_,
                  lease_.holder, from);
  }
  notifier_.Publish(from - 1);
  SubscribeFrom(from);
}

void Outbox::LeaseLoop() {
  std::unique_lock<std::mutex> lock(stop_mu_);
  while (!stop_cv_.wait_for(lock, lease_.ttl / 3, [&] { return stopping_; })) {
    lock.unlock();
    Renew();
    lock.lock();
  }
}

bool Outbox::OnBatch(const std::vector<eventstore::RecordedEvent>& batch) {
  if (!FlushBacklog()) return false;
  StateTx tx(&store_->state(), "");
  privacy::PersonKeys& keys = privacy::KeysOf(*store_);
  eventstore::Position done = checkpoint_;
  bool all = true;
  for (const eventstore::RecordedEvent& recorded : batch) {
    if (recorded.position <= done) continue;
    Result<ProjectedEvent> e = DecodeProjected(recorded, keys);
    if (!e.ok()) {
      if (logger_)
        logger_->error("outbox {}: {}", name_, e.status().ToString());
      all = false;
      break;
    }
    std::optional<InviteEmail> email;
    std::optional<std::string> closed;  // an invitation accepted or revoked
    if (const auto* sent = std::get_if<domain::InviteSent>(&e->event)) {
      if (sent->channel == domain::Channel::kEmail) {
        Result<domain::Event> raw =
            codec::DecodeEvent(recorded.type, recorded.payload);
        if (!raw.ok()) {
          all = false;
          break;
        }
        PendingEmail p{std::string(domain::RoleName(sent->role)),
                       std::get<domain::InviteSent>(*raw).email,
                       sent->invited_by};
        tx.PutRow(InviteKey(name_, e->org, sent->invite_id), p);
        email = InviteEmail{e->position, e->org,       sent->invite_id, p.role,
                            sent->email, p.invited_by, sent->sent_at,   false};
      }
    } else if (const auto* resent =
                   std::get_if<domain::InviteResent>(&e->event)) {
      Result<std::optional<PendingEmail>> p =
          tx.GetRow<PendingEmail>(InviteKey(name_, e->org, resent->invite_id));
      if (!p.ok()) {
        all = false;
        break;
      }
      if (p->has_value() && !privacy::OpenText(keys, (*p)->email).ok()) {
        all = false;
        break;
      }
      // An erased invitee's address reads as empty: nothing to send.
      if (p->has_value() && !(*p)->email.empty()) {
        email = InviteEmail{e->position,     e->org,      resent->invite_id,
                            (*p)->role,      (*p)->email, (*p)->invited_by,
                            resent->sent_at, true};
      }
    } else if (const auto* a = std::get_if<domain::InviteAccepted>(&e->event)) {
      tx.Delete(InviteKey(name_, e->org, a->invite_id));
      closed = a->invite_id;
    } else if (const auto* r = std::get_if<domain::InviteRevoked>(&e->event)) {
      tx.Delete(InviteKey(name_, e->org, r->invite_id));
      closed = r->invite_id;
    }
    bool collecting;
    {
      std::lock_guard<std::mutex> lock(flight_mu_);
      collecting = collect_until_ != 0;
      if (collecting && email.has_value()) {
        backlog_[{email->org, email->invite_id}] = *email;
      }
      if (collecting && closed.has_value()) backlog_.erase({e->org, *closed});
    }
    // Only the lease's holder sends; the others keep the pending
    // invitations for when they take it over.
    if (!collecting && email.has_value() && holding_.load() && !Offer(*email)) {
      all = false;  // not taken: this event again, later
      break;
    }
    done = recorded.position;
    if (collecting && done >= collect_until_) {
      {
        std::lock_guard<std::mutex> lock(flight_mu_);
        collect_until_ = 0;
      }
      if (!FlushBacklog()) {
        all = false;  // the rest of the batch after what it kept
        break;
      }
    }
  }
  if (done > checkpoint_) {
    eventstore::StateBatch write;
    tx.CommitTo(&write);
    {
      std::lock_guard<std::mutex> lock(flight_mu_);
      followed_ = done;
    }
    if (!Persist(std::move(write))) return false;
    checkpoint_ = done;
  }
  return all;
}

bool Outbox::Offer(const InviteEmail& email) {
  {
    std::lock_guard<std::mutex> lock(flight_mu_);
    in_flight_.insert(email.position);
  }
  const eventstore::Position position = email.position;
  if (accept_(email, [this, position] { Done(position); })) return true;
  std::lock_guard<std::mutex> lock(flight_mu_);
  in_flight_.erase(position);
  return false;
}

bool Outbox::FlushBacklog() {
  std::vector<InviteEmail> due;
  {
    std::lock_guard<std::mutex> lock(flight_mu_);
    if (collect_until_ != 0 || backlog_.empty()) return true;
    for (const auto& [key, email] : backlog_) due.push_back(email);
  }
  std::sort(due.begin(), due.end(),
            [](const InviteEmail& a, const InviteEmail& b) {
              return a.position < b.position;
            });
  const std::int64_t oldest =
      backlog_options_.now() -
      backlog_options_.backlog.value_or(std::chrono::microseconds(0)).count();
  std::size_t skipped = 0;
  for (const InviteEmail& email : due) {
    if (email.sent_at >= oldest && holding_.load() && !Offer(email)) {
      return false;  // the rest stays for the next try
    }
    if (email.sent_at < oldest) ++skipped;
    std::lock_guard<std::mutex> lock(flight_mu_);
    backlog_.erase({email.org, email.invite_id});
  }
  if (logger_) {
    logger_->info(
        "outbox {}: first start on a log with invitations: {} pending sent "
        "within the backlog window delivered, {} older not",
        name_, due.size() - skipped, skipped);
  }
  return true;
}

void Outbox::Done(eventstore::Position position) {
  {
    std::lock_guard<std::mutex> lock(flight_mu_);
    in_flight_.erase(position);
  }
  (void)Persist(eventstore::StateBatch());
}

eventstore::Position Outbox::Durable(eventstore::Position followed) const {
  if (collect_until_ != 0) return 0;  // a first start's backlog: none yet
  eventstore::Position durable = followed;
  if (!in_flight_.empty()) durable = std::min(durable, *in_flight_.begin() - 1);
  for (const auto& [key, email] : backlog_) {
    durable = std::min(durable, email.position - 1);
  }
  return durable;
}

bool Outbox::Persist(eventstore::StateBatch write) {
  std::lock_guard<std::mutex> lock(flight_mu_);
  const eventstore::Position durable = Durable(followed_);
  const bool moves = durable > written_;
  if (moves) {
    write.Put(CheckpointKey(name_), eventstore::EncodeFixed64BE(durable));
  }
  if (write.empty()) return true;
  Status s = store_->state().Write(write);
  if (!s.ok()) {
    if (logger_) logger_->error("outbox {}: {}", name_, s.ToString());
    return false;
  }
  if (!moves) return true;
  written_ = durable;
  if (holding_.load()) {
    if (leased_) {
      Result<bool> moved = store_->MoveLease(name_, lease_.holder, durable);
      if (!moved.ok() || !*moved) {
        // Expired and taken, or unreachable: the next holder delivers
        // from the lease's checkpoint, so nothing after it is lost.
        holding_ = false;
        return true;
      }
    }
    notifier_.Publish(durable);
  }
  return true;
}

}  // namespace orgledger::projections
