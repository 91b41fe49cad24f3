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
// than the mix says. Thread-safe.
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
    enum class Kind { kOther, kInvite, kAccept, kRevoke, kRemove };
    commands::CommandRequest request;
    Kind kind = Kind::kOther;
    Invitee who;            // invited, accepting or removed
    std::string invite_id;  // accepted or revoked
    // Whether the command names something the book holds (false: the book
    // had no invitation or person to name, and the command names none).
    bool targeted = false;
  };

  // The next command for organization `org`: one of the ten of BENCH.md's
  // W5, each with probability 1/10. A resource count is recorded at
  // `clock`'s now (the engine's context, which checks it).
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
};

}  // namespace orgledger::bench

#endif  // ORGLEDGER_TOOLS_BENCH_ORG_BOOK_H_
