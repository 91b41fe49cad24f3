// The rows of the projections and their keys (docs/format.md, "Projection
// rows"). Keys here are relative to a projection generation's prefix; org
// ids and user ids contain no 0x00 byte, so `org 0x00` is a prefix no other
// organization's keys share.
#ifndef ORGLEDGER_PROJECTIONS_ROWS_H_
#define ORGLEDGER_PROJECTIONS_ROWS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eventstore/coding.h"
#include "eventstore/state_store.h"

namespace orgledger::projections {

struct LastError {
  std::string code;
  std::int64_t at = 0;
  std::string actor_email;
  template <class IO>
  void Fields(IO& io) {
    io(code), io(at), io(actor_email);
  }
};

// An invitation email the mailer gave up, in the mail server's words.
struct EmailError {
  std::string reason;
  std::int64_t at = 0;
  template <class IO>
  void Fields(IO& io) {
    io(reason), io(at);
  }
};

struct PendingInvite {
  std::string invite_id;
  std::string role;     // "admin" | "member" | "billing_manager"
  std::string channel;  // "email" | "link"
  std::string email;    // email channel only
  std::int64_t first_sent_at = 0;
  std::int64_t sent_at = 0;
  std::string invited_by;
  std::optional<LastError> last_error;
  std::optional<EmailError> email_error;
  template <class IO>
  void Fields(IO& io) {
    io(invite_id), io(role), io(channel), io(email), io(first_sent_at),
        io(sent_at), io(invited_by), io(last_error), io(email_error);
  }
};

struct BillingManagerEntry {
  std::string user_id;
  std::string name;
  std::string email;
  std::int64_t accepted_at = 0;
  template <class IO>
  void Fields(IO& io) {
    io(user_id), io(name), io(email), io(accepted_at);
  }
};

struct TeamEntry {
  std::string team;
  std::string name;
  template <class IO>
  void Fields(IO& io) {
    io(team), io(name);
  }
};

// What the billing view shows of the card: never the processor token.
struct CardEntry {
  std::string brand;
  std::string last4;
  std::int64_t exp_month = 0;
  std::int64_t exp_year = 0;
  std::string holder_name;
  template <class IO>
  void Fields(IO& io) {
    io(brand), io(last4), io(exp_month), io(exp_year), io(holder_name);
  }
};

struct RumSample {
  std::int64_t count = 0;
  std::int64_t at = 0;
  template <class IO>
  void Fields(IO& io) {
    io(count), io(at);
  }
};

// "o" org: the organization's summary.
struct OrgRow {
  std::string org;
  std::string edition;
  std::int64_t created_at = 0;
  std::uint64_t admins = 0;
  std::uint64_t members = 0;
  std::vector<BillingManagerEntry> billing_managers;  // by acceptance
  std::vector<PendingInvite> pending;                 // by creation
  std::vector<TeamEntry> teams;                       // by team id
  std::optional<CardEntry> card;
  std::optional<RumSample> rum_last;
  // The organization's version (its stream's) after the last event read:
  // what a page passes back as expected_version.
  std::uint64_t version = 0;
  // The latest recorded time of its events so far, and the version at
  // which its next as-of mark is due (projections/marks.h).
  std::int64_t latest_at = 0;
  std::uint64_t next_mark = 0;
  template <class IO>
  void Fields(IO& io) {
    io(org), io(edition), io(created_at), io(admins), io(members),
        io(billing_managers), io(pending), io(teams), io(card), io(rum_last),
        io(version), io(latest_at), io(next_mark);
  }
};

// "p" org 0x00 user_id: a person's role.
struct PersonRow {
  std::string role;
  std::string name;
  std::string email;
  std::int64_t since = 0;
  std::uint64_t member_key = 0;  // the "m" row's position; 0 for billing mgrs
  template <class IO>
  void Fields(IO& io) {
    io(role), io(name), io(email), io(since), io(member_key);
  }
};

// "m" org 0x00 position:fixed64: the members list (admins and members),
// keyed by the position of the event that made them one.
struct MemberRow {
  std::string user_id;
  std::string name;
  std::string email;
  std::string role;
  std::int64_t joined_at = 0;
  template <class IO>
  void Fields(IO& io) {
    io(user_id), io(name), io(email), io(role), io(joined_at);
  }
};

// "y" org 0x00 position:fixed64: a payment, keyed by the position it was
// first recorded at; "Y" org 0x00 payment_id -> that position.
struct PaymentRow {
  std::string payment_id;
  std::int64_t amount_cents = 0;
  std::string currency;
  std::string status;
  std::int64_t paid_at = 0;
  template <class IO>
  void Fields(IO& io) {
    io(payment_id), io(amount_cents), io(currency), io(status), io(paid_at);
  }
};

// "r" org 0x00 month:fixed32 (year * 100 + month): resource counts of one
// UTC month with a sample in it.
struct RumMonthRow {
  std::int64_t carry_in = 0;  // the count held when the month began
  bool had_carry = false;     // a sample existed before the month
  std::int64_t peak = 0;
  double held_until_last = 0;    // count x microseconds, month start..last
  RumSample last;                // the month's last sample
  std::int64_t before_last = 0;  // the count held just before `last`
  template <class IO>
  void Fields(IO& io) {
    io(carry_in), io(had_carry), io(peak), io(held_until_last), io(last),
        io(before_last);
  }
};

// "a" org 0x00 position:fixed64 (audit_log projection): one event.
struct AuditRow {
  std::int64_t time = 0;
  std::string type;
  std::string actor;  // a user id, or "system:<service>"
  std::string summary;
  template <class IO>
  void Fields(IO& io) {
    io(time), io(type), io(actor), io(summary);
  }
};

// One row of a mark: its key (relative to the generation) and value.
struct MarkEntry {
  std::string key;
  std::string value;
  template <class IO>
  void Fields(IO& io) {
    io(key), io(value);
  }
};

// "h" org 0x00 position:fixed64: an as-of mark (projections/marks.h), the
// organization's rows right after its event at that position. "t" org
// 0x00 latest_at:fixed64 position:fixed64 -> version:fixed64: the marks
// by time.
struct MarkRow {
  std::uint64_t version = 0;  // the organization's, at the mark
  std::int64_t latest_at = 0;
  std::vector<MarkEntry> rows;
  template <class IO>
  void Fields(IO& io) {
    io(version), io(latest_at), io(rows);
  }
};

namespace keys {

inline std::string Org(std::string_view org) {
  std::string k("o");
  k.append(org);
  return k;
}
// kind org 0x00 — the prefix of an organization's rows of one kind.
inline std::string Prefix(char kind, std::string_view org) {
  std::string k(1, kind);
  k.append(org);
  k.push_back('\0');
  return k;
}
inline std::string Person(std::string_view org, std::string_view user_id) {
  return Prefix('p', org).append(user_id);
}
inline std::string Positioned(char kind, std::string_view org,
                              std::uint64_t position) {
  std::string k = Prefix(kind, org);
  eventstore::PutFixed64BE(&k, position);
  return k;
}
inline std::string PaymentIndex(std::string_view org, std::string_view id) {
  return Prefix('Y', org).append(id);
}
// "E" edition 0x00 org -> "": the organizations on each edition, so that an
// engine can find the editions in use without reading every organization.
inline std::string EditionOrg(std::string_view edition, std::string_view org) {
  std::string k("E");
  k.append(edition);
  k.push_back('\0');
  k.append(org);
  return k;
}
// "U" user_id 0x00 org -> role: the organizations a person holds a role
// in, for the home page.
inline std::string UserOrg(std::string_view user_id, std::string_view org) {
  std::string k("U");
  k.append(user_id);
  k.push_back('\0');
  k.append(org);
  return k;
}
// The key ranges of an organization's rows of the given kinds ("o" and
// the Prefix kinds), for Projection::OrgRanges.
inline std::vector<std::pair<std::string, std::string>> OrgRanges(
    std::string_view org, std::string_view prefix_kinds, bool with_org_row) {
  std::vector<std::pair<std::string, std::string>> out;
  if (with_org_row) out.emplace_back(Org(org), Org(org) + '\0');
  for (char kind : prefix_kinds) {
    const std::string p = Prefix(kind, org);
    out.emplace_back(p, eventstore::PrefixEnd(p));
  }
  return out;
}
inline std::string TimeMark(std::string_view org, std::int64_t latest_at,
                            std::uint64_t position) {
  std::string k = Prefix('t', org);
  eventstore::PutFixed64BE(&k, static_cast<std::uint64_t>(latest_at));
  eventstore::PutFixed64BE(&k, position);
  return k;
}
inline std::string RumMonth(std::string_view org, std::uint32_t month) {
  std::string k = Prefix('r', org);
  eventstore::PutFixed32BE(&k, month);
  return k;
}

}  // namespace keys
}  // namespace orgledger::projections

#endif  // ORGLEDGER_PROJECTIONS_ROWS_H_
