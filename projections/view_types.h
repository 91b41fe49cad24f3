// The typed results of the views of SPEC §2, already filtered by the
// viewer's scope (SPEC §1.8). A field the viewer may not see is an empty
// std::optional (the wire leaves it out); a field shown as JSON null is a
// `Nullable` (an std::optional that the wire writes as null when empty).
// Times are microseconds since the Unix epoch, UTC. Plain values:
// intentionally copyable.
#ifndef ORGLEDGER_PROJECTIONS_VIEW_TYPES_H_
#define ORGLEDGER_PROJECTIONS_VIEW_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "domain/types.h"

namespace orgledger::projections {

// Shown as null when empty (never absent).
template <class T>
using Nullable = std::optional<T>;

struct MemberCountView {
  std::uint64_t member_count = 0;
};

struct MemberItem {
  std::string user_id;
  std::string name;
  std::string email;
  std::string role;
  domain::Micros joined_at = 0;
};

// A page of the admins and members, oldest first.
struct MembersView {
  std::vector<MemberItem> members;
  std::optional<std::uint64_t> next;  // the `before` of the next page
};

struct BillingManagerItem {
  std::optional<std::string> user_id;  // absent for names_only
  std::string name;
  std::optional<std::string> email;           // absent for names_only
  std::optional<domain::Micros> accepted_at;  // absent for names_only
};

struct LastErrorItem {
  std::string code;
  domain::Micros at = 0;
  std::string actor_email;
};

struct EmailErrorItem {
  std::string reason;
  domain::Micros at = 0;
};

struct PendingItem {
  std::string invite_id;
  std::optional<std::string> role;   // the invites view only
  std::string channel;               // "email" | "link"
  std::optional<std::string> email;  // email invitations only
  domain::Micros first_sent_at = 0;
  domain::Micros sent_at = 0;
  std::string invited_by;
  Nullable<LastErrorItem> last_error;
  // The invitation's email was given up (the mail server's words).
  Nullable<EmailErrorItem> email_error;
};

struct BillingManagersView {
  std::vector<BillingManagerItem> billing_managers;
  // Absent unless the viewer may see invitations (admins).
  std::optional<std::vector<PendingItem>> pending;
  // The organization's version these rows are as of, for a removal's
  // expected_version (admins only, with `pending`).
  std::optional<std::uint64_t> version;
};

struct InvitesView {
  std::vector<PendingItem> invites;
};

struct TeamItem {
  std::string team;
  std::string name;
};

struct TeamsView {
  std::vector<TeamItem> teams;
};

struct PaymentItem {
  std::string payment_id;
  std::int64_t amount_cents = 0;
  std::string currency;
  std::string status;
  domain::Micros paid_at = 0;
};

// A page of payments, newest first.
struct PaymentsView {
  std::vector<PaymentItem> payments;
  std::optional<std::uint64_t> next;
};

// SPEC §1.7's summary of one UTC month.
struct RumView {
  std::uint32_t month = 0;  // year * 100 + month
  std::int64_t current = 0;
  std::int64_t peak = 0;
  double average = 0;
  double resource_hours = 0;
};

struct CardItem {
  std::string brand;
  std::string last4;
  std::int64_t exp_month = 0;
  std::int64_t exp_year = 0;
  std::string holder_name;
};

struct EditionLimitsItem {
  Nullable<std::uint32_t> billing_managers;  // null: unlimited
  Nullable<std::uint32_t> members;           // null: unlimited
};

struct BillingView {
  std::string edition;
  EditionLimitsItem limits;
  std::uint64_t billing_managers_used = 0;  // active + pending
  std::uint64_t member_count = 0;
  // Absent when the viewer may not see it; null when there is no card.
  std::optional<Nullable<CardItem>> credit_card;
  std::optional<std::vector<PaymentItem>> payments;  // the 10 newest
  std::optional<RumView> rum;
};

struct AuditItem {
  std::uint64_t position = 0;
  domain::Micros time = 0;
  std::string type;
  std::string actor;
  std::string summary;
};

// A page of the organization's events, newest first.
struct AuditLogView {
  std::vector<AuditItem> events;
  std::optional<std::uint64_t> next;
};

struct AuthorizeView {
  bool allowed = false;
  std::string scope;  // "full" | "api_only" | "names_only" | "denied"
};

// The answer to any view: one alternative per view name.
using View = std::variant<MemberCountView, MembersView, BillingManagersView,
                          InvitesView, BillingView, PaymentsView, RumView,
                          TeamsView, AuditLogView, AuthorizeView>;

}  // namespace orgledger::projections

#endif  // ORGLEDGER_PROJECTIONS_VIEW_TYPES_H_
