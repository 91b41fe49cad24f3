// The Cereal serialize functions of every persisted domain type. Internal to
// the codec (and to codec tests that exercise the upcasting path): nothing
// else includes Cereal.
//
// Rules (docs/format.md): every type has CEREAL_CLASS_VERSION from its first
// commit; a field is only ever added under a new version, read with
// `if (version >= N)`, and given its upcast value for older records. Enums
// are written as fixed one-byte codes, never as their C++ order.
#ifndef ORGLEDGER_DOMAIN_CODEC_ARCHIVE_H_
#define ORGLEDGER_DOMAIN_CODEC_ARCHIVE_H_

// Cereal keeps the class versions it has seen in one process-wide map and
// guards it only when CEREAL_THREAD_SAFE is 1; engine threads encode at
// once (without it, a first encode racing another crashed the crash matrix).
#if defined(CEREAL_THREAD_SAFE) && !CEREAL_THREAD_SAFE
#error \
    "orgledger's codec encodes from many threads: CEREAL_THREAD_SAFE must be 1"
#endif
#undef CEREAL_THREAD_SAFE
#define CEREAL_THREAD_SAFE 1

#include <cereal/archives/portable_binary.hpp>
#include <cereal/cereal.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/variant.hpp>
#include <cereal/types/vector.hpp>
#include <cstdint>
#include <istream>
#include <sstream>
#include <streambuf>
#include <string>
#include <string_view>

#include "domain/codec/codec.h"
#include "domain/commands.h"
#include "domain/events.h"
#include "domain/state.h"

namespace orgledger::codec::internal {

// The size of the bytes being decoded on this thread: no string or vector
// read from them can hold more elements than that.
inline thread_local std::size_t decode_limit = 0;

inline void CheckLength(std::uint64_t n) {
  if (n > decode_limit) {
    throw cereal::Exception("a length is larger than the bytes holding it");
  }
}

}  // namespace orgledger::codec::internal

// Loading strings and vectors from untrusted bytes: Cereal would resize to
// whatever length the bytes claim (an allocation of exabytes for a damaged
// record; found by fuzzing). These overloads are found by ADL and preferred
// to Cereal's templates; they read exactly what Cereal writes.
namespace cereal {

inline void CEREAL_LOAD_FUNCTION_NAME(PortableBinaryInputArchive& ar,
                                      std::string& str) {
  size_type size = 0;
  ar(make_size_tag(size));
  orgledger::codec::internal::CheckLength(size);
  str.resize(static_cast<std::size_t>(size));
  ar(binary_data(str.data(), static_cast<std::size_t>(size)));
}

// A bool is one byte, 0 or 1; any other value is damage, not a bool (Cereal
// would copy it into the bool: undefined behaviour; found by fuzzing).
inline void CEREAL_LOAD_FUNCTION_NAME(PortableBinaryInputArchive& ar, bool& b) {
  std::uint8_t v = 0;
  ar(binary_data(&v, 1));
  if (v > 1) throw Exception("a bool that is neither 0 nor 1");
  b = v == 1;
}

template <class T>
void LoadBoundedVector(PortableBinaryInputArchive& ar, std::vector<T>& v) {
  size_type size = 0;
  ar(make_size_tag(size));
  orgledger::codec::internal::CheckLength(size);
  v.resize(static_cast<std::size_t>(size));
  for (T& e : v) ar(e);
}

}  // namespace cereal

namespace orgledger::codec::internal {

// Writes or reads `e` as one byte; a code above `max` does not decode.
template <class Archive, class E>
void EnumByte(Archive& ar, E& e, E max) {
  auto v = static_cast<std::uint8_t>(e);
  ar(v);
  if (v > static_cast<std::uint8_t>(max)) {
    throw cereal::Exception("enum code out of range");
  }
  e = static_cast<E>(v);
}

template <class T>
std::string Save(const T& value) {
  std::ostringstream out(std::ios::binary);
  {
    cereal::PortableBinaryOutputArchive ar(out);
    ar(value);
  }
  return std::move(out).str();
}

// A read-only stream buffer over bytes owned by the caller: decoding reads
// them in place instead of copying them into a string stream first.
class ViewBuffer : public std::streambuf {
 public:
  explicit ViewBuffer(std::string_view bytes) {
    char* begin = const_cast<char*>(bytes.data());
    setg(begin, begin, begin + bytes.size());
  }
};

// Throws cereal::Exception (or std::exception) when the bytes do not decode
// to a T, or leave bytes unread.
template <class T>
T Load(std::string_view bytes) {
  decode_limit = bytes.size();
  ViewBuffer buffer(bytes);
  std::istream in(&buffer);
  T value;
  {
    cereal::PortableBinaryInputArchive ar(in);
    ar(value);
  }
  if (in.peek() != std::char_traits<char>::eof()) {
    throw cereal::Exception("trailing bytes");
  }
  return value;
}

}  // namespace orgledger::codec::internal

namespace orgledger::domain {

template <class A>
void serialize(A& ar, Actor& a, std::uint32_t) {
  ar(a.system, a.id, a.email, a.name, a.service);
}

template <class A>
void serialize(A& ar, OrganizationCreated& e, std::uint32_t) {
  ar(e.org, e.edition, e.creator_id, e.creator_email, e.creator_name,
     e.created_at);
}
template <class A>
void serialize(A& ar, InviteSent& e, std::uint32_t) {
  ar(e.invite_id);
  codec::internal::EnumByte(ar, e.role, Role::kBillingManager);
  codec::internal::EnumByte(ar, e.channel, Channel::kLink);
  ar(e.email, e.token_hash, e.invited_by, e.sent_at);
}
template <class A>
void serialize(A& ar, InviteResent& e, std::uint32_t) {
  ar(e.invite_id, e.sent_at);
}
template <class A>
void serialize(A& ar, InviteRevoked& e, std::uint32_t) {
  ar(e.invite_id, e.revoked_by);
}
template <class A>
void serialize(A& ar, InviteAccepted& e, std::uint32_t) {
  ar(e.invite_id, e.user_id, e.name, e.email);
  codec::internal::EnumByte(ar, e.role, Role::kBillingManager);
  ar(e.accepted_at);
}
template <class A>
void serialize(A& ar, InviteAcceptFailed& e, std::uint32_t) {
  ar(e.invite_id, e.code, e.actor_id, e.actor_email, e.at);
}
template <class A>
void serialize(A& ar, InviteEmailFailed& e, std::uint32_t) {
  ar(e.invite_id, e.reason, e.at);
}
template <class A>
void serialize(A& ar, PersonErased& e, std::uint32_t) {
  ar(e.erasure_id, e.by, e.at);
}
template <class A>
void serialize(A& ar, MemberRemoved& e, std::uint32_t) {
  ar(e.user_id, e.removed_by, e.left);
}
template <class A>
void serialize(A& ar, RoleChanged& e, std::uint32_t) {
  ar(e.user_id);
  codec::internal::EnumByte(ar, e.from, Role::kBillingManager);
  codec::internal::EnumByte(ar, e.to, Role::kBillingManager);
  ar(e.changed_by);
}
template <class A>
void serialize(A& ar, BillingManagerRemoved& e, std::uint32_t) {
  ar(e.user_id, e.removed_by, e.left);
}
template <class A>
void serialize(A& ar, TeamCreated& e, std::uint32_t) {
  ar(e.team, e.name);
}
template <class A>
void serialize(A& ar, TeamDeleted& e, std::uint32_t) {
  ar(e.team, e.name);
}
template <class A>
void serialize(A& ar, CreditCard& c, std::uint32_t) {
  ar(c.processor_token, c.brand, c.last4, c.exp_month, c.exp_year,
     c.holder_name);
}
template <class A>
void serialize(A& ar, CreditCardUpdated& e, std::uint32_t) {
  ar(e.card);
}
template <class A>
void serialize(A& ar, SubscriptionChanged& e, std::uint32_t) {
  ar(e.from, e.to);
}
template <class A>
void serialize(A& ar, Payment& p, std::uint32_t) {
  ar(p.payment_id, p.amount_cents, p.currency);
  codec::internal::EnumByte(ar, p.status, PaymentStatus::kRefunded);
  ar(p.paid_at);
}
template <class A>
void serialize(A& ar, PaymentRecorded& e, std::uint32_t) {
  ar(e.payment);
}
template <class A>
void serialize(A& ar, PaymentStatusChanged& e, std::uint32_t) {
  ar(e.payment);
  codec::internal::EnumByte(ar, e.from, PaymentStatus::kRefunded);
}
template <class A>
void serialize(A& ar, ResourceCountRecorded& e, std::uint32_t) {
  ar(e.count, e.at);
}

// Snapshot state (versioned as a whole by kStateSchemaVersion as well).
template <class A>
void serialize(A& ar, Person& p, std::uint32_t) {
  ar(p.user_id, p.email, p.name);
  codec::internal::EnumByte(ar, p.role, Role::kBillingManager);
  ar(p.since);
}
template <class A>
void serialize(A& ar, AcceptError& e, std::uint32_t) {
  ar(e.code, e.at, e.actor_id, e.actor_email);
}
template <class A>
void serialize(A& ar, Invite& i, std::uint32_t) {
  ar(i.invite_id);
  codec::internal::EnumByte(ar, i.role, Role::kBillingManager);
  codec::internal::EnumByte(ar, i.channel, Channel::kLink);
  ar(i.email, i.token_hash, i.invited_by, i.first_sent_at, i.sent_at);
  codec::internal::EnumByte(ar, i.status, InviteStatus::kRevoked);
  ar(i.last_error);
}
template <class A>
void serialize(A& ar, ClosedInvite& c, std::uint32_t) {
  codec::internal::EnumByte(ar, c.role, Role::kBillingManager);
  codec::internal::EnumByte(ar, c.channel, Channel::kLink);
  codec::internal::EnumByte(ar, c.status, InviteStatus::kRevoked);
  ar(c.token_hash);
}
template <class A>
void serialize(A& ar, ClosedInvites& c, std::uint32_t) {
  ar(c.packed, c.others);
}
template <class A>
void serialize(A& ar, OrgState& s, std::uint32_t) {
  ar(s.exists, s.org, s.edition, s.version, s.people, s.invites,
     s.closed_invites, s.teams, s.card, s.payments, s.last_rum);
}
template <class A>
void serialize(A& ar, Violation& v, std::uint32_t) {
  ar(v.limit, v.current, v.max);
}

// Commands: only for the canonical bytes of an idempotency fingerprint
// (never stored, so not versioned beyond what Cereal requires).
template <class A>
void serialize(A&, CreateBillingManagerInviteLink&, std::uint32_t) {}
template <class A>
void serialize(A& ar, CreateOrganization& c, std::uint32_t) {
  ar(c.edition);
}
template <class A>
void serialize(A& ar, InviteMember& c, std::uint32_t) {
  ar(c.email, c.role);
}
template <class A>
void serialize(A& ar, CreateMemberInviteLink& c, std::uint32_t) {
  ar(c.role);
}
template <class A>
void serialize(A& ar, InviteBillingManager& c, std::uint32_t) {
  ar(c.email);
}
template <class A>
void serialize(A& ar, ResendInvite& c, std::uint32_t) {
  ar(c.invite_id);
}
template <class A>
void serialize(A& ar, RevokeInvite& c, std::uint32_t) {
  ar(c.invite_id);
}
template <class A>
void serialize(A& ar, AcceptInvite& c, std::uint32_t) {
  ar(c.invite_id, c.token);
}
template <class A>
void serialize(A& ar, RemoveMember& c, std::uint32_t) {
  ar(c.user_id);
}
template <class A>
void serialize(A& ar, ChangeRole& c, std::uint32_t) {
  ar(c.user_id, c.role);
}
template <class A>
void serialize(A& ar, RemoveBillingManager& c, std::uint32_t) {
  ar(c.user_id);
}
template <class A>
void serialize(A& ar, CreateTeam& c, std::uint32_t) {
  ar(c.team, c.name);
}
template <class A>
void serialize(A& ar, DeleteTeam& c, std::uint32_t) {
  ar(c.team);
}
template <class A>
void serialize(A& ar, UpdateCreditCard& c, std::uint32_t) {
  ar(c.card);
}
template <class A>
void serialize(A& ar, ChangeSubscription& c, std::uint32_t) {
  ar(c.edition);
}
template <class A>
void serialize(A& ar, RecordPayment& c, std::uint32_t) {
  ar(c.payment_id, c.amount_cents, c.currency, c.status, c.paid_at);
}
template <class A>
void serialize(A& ar, RecordResourceCount& c, std::uint32_t) {
  ar(c.count, c.at);
}
template <class A>
void serialize(A& ar, RecordInviteEmailFailure& c, std::uint32_t) {
  ar(c.invite_id, c.reason);
}
template <class A>
void serialize(A& ar, CommandEnvelope& c, std::uint32_t) {
  ar(c.org, c.actor, c.command, c.expected_version);
}

}  // namespace orgledger::domain

namespace orgledger::codec {

template <class A>
void serialize(A& ar, EventMetadata& m, std::uint32_t) {
  ar(m.schema_version, m.recorded_at, m.actor, m.correlation_id, m.causation_id,
     m.idempotency_key);
}
template <class A>
void serialize(A& ar, KeptOutcome::EventRef& r, std::uint32_t) {
  ar(r.type, r.position);
}
template <class A>
void serialize(A& ar, KeptOutcome& o, std::uint32_t) {
  ar(o.code, o.message, o.violations, o.position, o.version, o.events,
     o.invite_id);
}

}  // namespace orgledger::codec

namespace cereal {
inline void CEREAL_LOAD_FUNCTION_NAME(
    PortableBinaryInputArchive& ar,
    std::vector<orgledger::domain::Violation>& v) {
  LoadBoundedVector(ar, v);
}
inline void CEREAL_LOAD_FUNCTION_NAME(
    PortableBinaryInputArchive& ar,
    std::vector<orgledger::codec::KeptOutcome::EventRef>& v) {
  LoadBoundedVector(ar, v);
}
}  // namespace cereal

// Version 1 of everything: the first release. A new field means a new
// number here and an `if (version >= N)` above. Version 2 of the events
// with personal fields, of the metadata (its actor) and of kept outcomes
// (their message): the same layout, but a personal string field may hold
// a sealed value (privacy/cipher.h) in place of its plaintext.
CEREAL_CLASS_VERSION(orgledger::domain::Actor, 1)
CEREAL_CLASS_VERSION(orgledger::domain::OrganizationCreated, 2)
CEREAL_CLASS_VERSION(orgledger::domain::InviteSent, 2)
CEREAL_CLASS_VERSION(orgledger::domain::InviteResent, 1)
CEREAL_CLASS_VERSION(orgledger::domain::InviteRevoked, 1)
CEREAL_CLASS_VERSION(orgledger::domain::InviteAccepted, 2)
CEREAL_CLASS_VERSION(orgledger::domain::InviteAcceptFailed, 2)
CEREAL_CLASS_VERSION(orgledger::domain::MemberRemoved, 1)
CEREAL_CLASS_VERSION(orgledger::domain::RoleChanged, 1)
CEREAL_CLASS_VERSION(orgledger::domain::BillingManagerRemoved, 1)
CEREAL_CLASS_VERSION(orgledger::domain::TeamCreated, 1)
CEREAL_CLASS_VERSION(orgledger::domain::TeamDeleted, 1)
CEREAL_CLASS_VERSION(orgledger::domain::CreditCard, 1)
CEREAL_CLASS_VERSION(orgledger::domain::CreditCardUpdated, 2)
CEREAL_CLASS_VERSION(orgledger::domain::SubscriptionChanged, 1)
CEREAL_CLASS_VERSION(orgledger::domain::Payment, 1)
CEREAL_CLASS_VERSION(orgledger::domain::PaymentRecorded, 1)
CEREAL_CLASS_VERSION(orgledger::domain::PaymentStatusChanged, 1)
CEREAL_CLASS_VERSION(orgledger::domain::ResourceCountRecorded, 1)
CEREAL_CLASS_VERSION(orgledger::domain::InviteEmailFailed, 2)
CEREAL_CLASS_VERSION(orgledger::domain::PersonErased, 1)
CEREAL_CLASS_VERSION(orgledger::domain::Person, 1)
CEREAL_CLASS_VERSION(orgledger::domain::AcceptError, 1)
CEREAL_CLASS_VERSION(orgledger::domain::Invite, 1)
CEREAL_CLASS_VERSION(orgledger::domain::ClosedInvite, 1)
CEREAL_CLASS_VERSION(orgledger::domain::ClosedInvites, 1)
CEREAL_CLASS_VERSION(orgledger::domain::OrgState, 1)
CEREAL_CLASS_VERSION(orgledger::domain::Violation, 1)
CEREAL_CLASS_VERSION(orgledger::codec::EventMetadata, 2)
CEREAL_CLASS_VERSION(orgledger::codec::KeptOutcome::EventRef, 1)
CEREAL_CLASS_VERSION(orgledger::codec::KeptOutcome, 2)

#endif  // ORGLEDGER_DOMAIN_CODEC_ARCHIVE_H_
