// OrgBook: what W5's writers know of one organization (the pending email
// invitations they sent, the people who joined), so that its accept, revoke
// and remove commands name real invitations and people, as on a real day.
//
// A step claims what it names when it is chosen (an invitation to accept or
// revoke, a person to remove), so that two writers never aim at the same
// one; Settle records the outcome. A removal uses the command of the
// person's role (remove_member is rejected for a billing manager,
// SPEC §1.6). Before the book worked this way, a billing manager at the
// head of the list made every later removal fail (and a revoked invitation
// every later revocation), and the organizations grew three times faster
// than the mix says.
//
// Resource counts of one organization are handed one time while any is in
// flight: a sample decided after a later one would be refused as earlier
// than the organization's last (the two invalid_argument rejections of the
// 2026-12-01 runs were these).
//
// Steady (W5 --steady, the soak's workload): an organization keeps a steady
// size. Past kSteadyPeople people invited or joined, an invitation becomes
// a removal of the longest-joined (or a revocation of the oldest pending),
// and payments are pay-0..pay-99 whose status changes, never a 101st.
// Thread-safe.
#ifndef ORGLEDGER_TOOLS_BENCH_ORG_BOOK_H_
#define ORGLEDGER_TOOLS_BENCH_ORG_BOOK_H_

#include <cstddef>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "commands/engine.h"

namespace orgledger::bench {

class OrgBook {
 public:
  // One person W5 invited: their number, and whether as a billing manager.
  struct Invitee {
    int person = -1;
    bool billing_manager = false;
  };
  // A chosen command, and what it claimed from the book.
  struct Step {
    enum class Kind { kOther, kInvite, kAccept, kRevoke, kRemove, kCount };
    commands::CommandRequest request;
    Kind kind = Kind::kOther;
    Invitee who;            // invited, accepting or removed
    std::string invite_id;  // accepted or revoked
    // Whether the command names something the book holds (false: the book
    // had no invitation or person to name, and the command names none).
    bool targeted = false;
  };

  // The people (pending or joined) a steady organization holds at most.
  static constexpr std::size_t kSteadyPeople = 20;
  // The payments a steady organization holds at most.
  static constexpr int kSteadyPayments = 100;

  // W5 --steady's book (before the first Next).
  void SetSteady(bool steady) { steady_ = steady; }

  // The next command for organization `org`: one of the ten of BENCH.md's
  // W5, each with probability 1/10. A resource count is recorded at
  // `clock`'s now (the engine's context, which checks it), or at the time
  // of the one still in flight.
  Step Next(long org, const domain::Context& clock, std::mt19937_64& rng);
  // Records what `step` did: an invitation sent is pending; an accepted one
  // joined; one whose acceptance failed goes back to be revoked.
  void Settle(const Step& step, const commands::CommandOutcome& outcome);

  std::size_t pending() const;
  std::size_t joined() const;

 private:
  mutable std::mutex mu_;
  // Vectors, not deques: an empty std::deque allocates ~600 bytes, 120 MB
  // for W5's 100,000 books. Taking from the front moves the rest: pending
  // stays short, joined reaches thousands only in the hottest books.
  std::vector<std::pair<std::string, Invitee>> pending_;  // invite id, who
  std::vector<Invitee> joined_;
  int next_person_ = 0;
  bool steady_ = false;
  int counts_in_flight_ = 0;
  domain::Micros count_at_ = 0;  // the time of the counts in flight
};

}  // namespace orgledger::bench

#endif  // ORGLEDGER_TOOLS_BENCH_ORG_BOOK_H_
