// The state of one organization, folded from its events (Evolve). Only what
// the rules of SPEC §1 need to decide; views live in projections/.
//
// A state keeps its people, invitations, teams, payments and index in an
// arena of its own (domain/arena.h): copying a state copies them into a new
// arena, moving it moves the arena. A moved-from state may only be
// destroyed or assigned to (its containers still point at the arena it
// gave away).
#ifndef ORGLEDGER_DOMAIN_STATE_H_
#define ORGLEDGER_DOMAIN_STATE_H_

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <memory_resource>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "domain/arena.h"
#include "domain/events.h"
#include "domain/types.h"

namespace orgledger::domain {

using StateAllocator = std::pmr::polymorphic_allocator<>;

// Orders the keys of a state's maps as text, so that they are found by any
// string (std::string, std::pmr::string, std::string_view) without a copy.
struct TextLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept {
    return a < b;
  }
};

template <class Value>
using TextMap = std::pmr::map<std::pmr::string, Value, TextLess>;
using TextSet = std::pmr::set<std::pmr::string, TextLess>;

// Allocator-aware (its strings live where the map holding it puts them).
struct Person {
  using allocator_type = StateAllocator;
  Person() = default;
  explicit Person(allocator_type a) : user_id(a), email(a), name(a) {}
  Person(std::string_view user_id, std::string_view email,
         std::string_view name, Role role, Micros since,
         allocator_type a = {})
      : user_id(user_id, a),
        email(email, a),
        name(name, a),
        role(role),
        since(since) {}
  Person(const Person& o, allocator_type a)
      : user_id(o.user_id, a),
        email(o.email, a),
        name(o.name, a),
        role(o.role),
        since(o.since) {}
  Person(Person&& o, allocator_type a)
      : user_id(std::move(o.user_id), a),
        email(std::move(o.email), a),
        name(std::move(o.name), a),
        role(o.role),
        since(o.since) {}
  Person(const Person&) = default;
  Person(Person&&) = default;
  Person& operator=(const Person&) = default;
  Person& operator=(Person&&) = default;

  std::pmr::string user_id;
  std::pmr::string email;  // as given
  std::pmr::string name;
  Role role = Role::kMember;
  Micros since = 0;  // joined_at, or accepted_at for billing managers
  friend bool operator==(const Person&, const Person&) = default;
};

struct AcceptError {
  std::string code;
  Micros at = 0;
  std::string actor_id;
  std::string actor_email;
  friend bool operator==(const AcceptError&, const AcceptError&) = default;
};

// Allocator-aware, like Person (last_error, rare, stays on the heap).
struct Invite {
  using allocator_type = StateAllocator;
  Invite() = default;
  explicit Invite(allocator_type a)
      : invite_id(a), email(a), token_hash(a), invited_by(a) {}
  Invite(const Invite& o, allocator_type a)
      : invite_id(o.invite_id, a),
        role(o.role),
        channel(o.channel),
        email(o.email, a),
        token_hash(o.token_hash, a),
        invited_by(o.invited_by, a),
        first_sent_at(o.first_sent_at),
        sent_at(o.sent_at),
        status(o.status),
        last_error(o.last_error) {}
  Invite(Invite&& o, allocator_type a)
      : invite_id(std::move(o.invite_id), a),
        role(o.role),
        channel(o.channel),
        email(std::move(o.email), a),
        token_hash(std::move(o.token_hash), a),
        invited_by(std::move(o.invited_by), a),
        first_sent_at(o.first_sent_at),
        sent_at(o.sent_at),
        status(o.status),
        last_error(std::move(o.last_error)) {}
  Invite(const Invite&) = default;
  Invite(Invite&&) = default;
  Invite& operator=(const Invite&) = default;
  Invite& operator=(Invite&&) = default;

  std::pmr::string invite_id;
  Role role = Role::kMember;
  Channel channel = Channel::kEmail;
  std::pmr::string email;
  std::pmr::string token_hash;
  std::pmr::string invited_by;
  Micros first_sent_at = 0;
  Micros sent_at = 0;
  InviteStatus status = InviteStatus::kPending;
  std::optional<AcceptError> last_error;
  friend bool operator==(const Invite&, const Invite&) = default;
};

// A payment as a state keeps it: Payment's fields, allocator-aware like
// Person.
struct KeptPayment {
  using allocator_type = StateAllocator;
  KeptPayment() = default;
  explicit KeptPayment(allocator_type a) : payment_id(a), currency(a) {}
  KeptPayment(const KeptPayment& o, allocator_type a)
      : payment_id(o.payment_id, a),
        amount_cents(o.amount_cents),
        currency(o.currency, a),
        status(o.status),
        paid_at(o.paid_at) {}
  KeptPayment(KeptPayment&& o, allocator_type a)
      : payment_id(std::move(o.payment_id), a),
        amount_cents(o.amount_cents),
        currency(std::move(o.currency), a),
        status(o.status),
        paid_at(o.paid_at) {}
  KeptPayment(const KeptPayment&) = default;
  KeptPayment(KeptPayment&&) = default;
  KeptPayment& operator=(const KeptPayment&) = default;
  KeptPayment& operator=(KeptPayment&&) = default;
  KeptPayment& operator=(const Payment& p) {
    payment_id = p.payment_id;
    amount_cents = p.amount_cents;
    currency = p.currency;
    status = p.status;
    paid_at = p.paid_at;
    return *this;
  }
  Payment ToPayment() const {
    return Payment{std::string(payment_id), amount_cents,
                   std::string(currency), status, paid_at};
  }

  std::pmr::string payment_id;
  std::int64_t amount_cents = 0;
  std::pmr::string currency;
  PaymentStatus status = PaymentStatus::kSucceeded;
  Micros paid_at = 0;
  friend bool operator==(const KeptPayment&, const KeptPayment&) = default;
};

// What a state derives from its people and invitations, so that deciding
// needs no scan: a command costs O(log n) in an organization of any size.
// Kept by Evolve (and rebuilt by OrgState::Reindex after a snapshot is
// decoded); never serialized. It is not part of a state's equality: two
// states are equal when their facts are.
struct OrgIndex {
  using allocator_type = StateAllocator;
  OrgIndex() = default;
  explicit OrgIndex(allocator_type a)
      : people_by_email(a), pending_by_email(a), links_by_token_hash(a) {}
  OrgIndex(const OrgIndex& o, allocator_type a)
      : people_by_email(o.people_by_email, a),
        pending_by_email(o.pending_by_email, a),
        people_by_role(o.people_by_role),
        links_by_token_hash(o.links_by_token_hash, a),
        pending(o.pending) {}
  OrgIndex(const OrgIndex&) = default;
  OrgIndex(OrgIndex&&) = default;
  OrgIndex& operator=(const OrgIndex&) = default;
  OrgIndex& operator=(OrgIndex&&) = default;

  // Normalized email -> keys of `people` with it.
  TextMap<TextSet> people_by_email;
  // Normalized email -> ids of pending email invitations to it.
  TextMap<TextSet> pending_by_email;
  std::array<std::uint64_t, 3> people_by_role{};  // indexed by Role
  // Link invitations of every status: token hash -> invite id (a token
  // is 256 random bits, so its hash names one invitation).
  TextMap<std::pmr::string> links_by_token_hash;
  // Pending invitations: [0] admins and members, [1] billing managers.
  std::array<std::uint64_t, 2> pending{};

  friend bool operator==(const OrgIndex&, const OrgIndex&) { return true; }
};

// Owns a state's arena; part of no state's equality.
struct ArenaOwner {
  ArenaOwner() = default;
  ArenaOwner(const ArenaOwner&) : ArenaOwner() {}  // a new, empty arena
  ArenaOwner(ArenaOwner&&) noexcept = default;
  ArenaOwner& operator=(const ArenaOwner&) = delete;
  ArenaOwner& operator=(ArenaOwner&&) = delete;

  std::unique_ptr<StateArena> arena = std::make_unique<StateArena>();
  friend bool operator==(const ArenaOwner&, const ArenaOwner&) {
    return true;
  }
};

struct OrgState {
  OrgState() = default;
  OrgState(const OrgState& o);  // into a new arena
  OrgState(OrgState&&) noexcept = default;
  OrgState& operator=(const OrgState& o);
  OrgState& operator=(OrgState&& o) noexcept;
  ~OrgState() = default;

  // First: the containers below are destroyed before their arena.
  ArenaOwner owner;

  bool exists = false;
  std::string org;
  std::string edition;
  // The stream version this state was folded to (set by the loader).
  std::uint64_t version = 0;
  TextMap<Person> people{allocator()};   // by user id
  TextMap<Invite> invites{allocator()};  // by invite id, every status
  TextMap<std::pmr::string> teams{allocator()};  // team -> display name
  std::optional<CreditCard> card;
  TextMap<KeptPayment> payments{allocator()};  // by payment id
  std::optional<ResourceCountRecorded> last_rum;
  OrgIndex index{allocator()};  // derived from people and invites

  friend bool operator==(const OrgState&, const OrgState&) = default;

  // Where the state's containers allocate.
  StateAllocator allocator() const { return owner.arena.get(); }
  // The heap bytes the state holds, in O(1): its arena's and those of the
  // strings kept outside it (org, edition, card). Not counted: the long
  // strings (over 15 characters) of accept errors, kept outside the arena
  // too; an invitation has at most one, and only after a failed accept.
  std::size_t HeapBytes() const;

  // Rebuilds `index` from people and invites (after decoding a snapshot,
  // or after changing them other than through Evolve).
  void Reindex();

  const Person* FindPerson(std::string_view user_id) const;
  // By normalized (lower-cased) email.
  const Person* FindPersonByEmail(std::string_view normalized) const;
  std::uint64_t CountRole(Role role) const;
  // Admins + members (SPEC §1.2).
  std::uint64_t MemberCount() const;
  // Pending invitations for billing managers (true) or members (false).
  std::uint64_t PendingInvites(bool billing_managers) const;
};

// The entry of one of a state's maps under `key`, added (default) when
// missing, its key in the map's arena. For building a state other than by
// Evolve (then call Reindex).
template <class Map>
typename Map::mapped_type& EntryAt(Map& map, std::string_view key) {
  if (auto it = map.find(key); it != map.end()) return it->second;
  return map.try_emplace(std::pmr::string(key, map.get_allocator()))
      .first->second;
}

// Folds one event into the state. Events are facts: Evolve never fails.
OrgState Evolve(OrgState state, const Event& event);

}  // namespace orgledger::domain

#endif  // ORGLEDGER_DOMAIN_STATE_H_
