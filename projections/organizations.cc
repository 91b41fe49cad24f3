// The `organizations` projection: per organization its summary row, people,
// the members list, payments and resource-count months (projections/rows.h).
#include <algorithm>

#include "base/overloaded.h"
#include "projections/builtin.h"
#include "projections/marks.h"
#include "projections/rows.h"
#include "projections/rum.h"

namespace orgledger::projections {
namespace {

using namespace domain;

std::string RoleText(Role r) { return std::string(RoleName(r)); }

class OrganizationsProjection final : public Projection {
 public:
  explicit OrganizationsProjection(bool marks) : marks_(marks) {}

  std::string_view name() const override { return kOrganizations; }
  // 2: the edition index (keys::EditionOrg); 3: email errors; 4: the
  // organization's version and the people's index (keys::UserOrg); 5: the
  // as-of marks (projections/marks.h).
  std::uint32_t version() const override { return 5; }

  std::vector<std::pair<std::string, std::string>> OrgRanges(
      const std::string& org) const override {
    return keys::OrgRanges(org, std::string(kMarkedKinds) + kMarkKinds,
                           /*with_org_row=*/true);
  }

  Status Apply(const ProjectedEvent& e, StateTx& tx) override {
    // The runner folds the organizations an erasure names again.
    if (std::holds_alternative<PersonErased>(e.event)) return Status::Ok();
    const bool creating = std::holds_alternative<OrganizationCreated>(e.event);
    Result<OrgRow*> row = tx.Mutable<OrgRow>(keys::Org(e.org), creating);
    if (!row.ok()) return row.status();
    if (*row == nullptr) {
      return Corruption("event at position " + std::to_string(e.position) +
                        " for organization " + e.org +
                        " that was never created");
    }
    OrgRow& org = **row;
    Status s = std::visit(
        Overloaded{
            [&](const OrganizationCreated& c) {
              org = OrgRow{};
              org.org = c.org;
              org.edition = c.edition;
              org.created_at = c.created_at;
              tx.Put(keys::EditionOrg(c.edition, e.org), "");
              return Join(e, tx, org, c.creator_id, c.creator_name,
                          c.creator_email, Role::kAdmin, c.created_at);
            },
            [&](const InviteSent& c) {
              org.pending.push_back({c.invite_id, RoleText(c.role),
                                     std::string(ChannelName(c.channel)),
                                     c.email, c.sent_at, c.sent_at,
                                     c.invited_by, std::nullopt, std::nullopt});
              return Status::Ok();
            },
            [&](const InviteResent& c) {
              if (PendingInvite* p = FindPending(org, c.invite_id)) {
                p->sent_at = c.sent_at;
                p->email_error.reset();  // a new email, a new try
              }
              return Status::Ok();
            },
            [&](const PersonErased&) { return Status::Ok(); },
            [&](const InviteEmailFailed& c) {
              if (PendingInvite* p = FindPending(org, c.invite_id)) {
                p->email_error = EmailError{c.reason, c.at};
              }
              return Status::Ok();
            },
            [&](const InviteRevoked& c) {
              DropPending(org, c.invite_id);
              return Status::Ok();
            },
            [&](const InviteAccepted& c) {
              DropPending(org, c.invite_id);
              return Join(e, tx, org, c.user_id, c.name, c.email, c.role,
                          c.accepted_at);
            },
            [&](const InviteAcceptFailed& c) {
              if (PendingInvite* p = FindPending(org, c.invite_id)) {
                p->last_error = LastError{c.code, c.at, c.actor_email};
              }
              return Status::Ok();
            },
            [&](const MemberRemoved& c) {
              return Leave(e, tx, org, c.user_id);
            },
            [&](const BillingManagerRemoved& c) {
              return Leave(e, tx, org, c.user_id);
            },
            [&](const RoleChanged& c) { return ChangeRole(e, tx, org, c); },
            [&](const TeamCreated& c) {
              auto it = std::lower_bound(
                  org.teams.begin(), org.teams.end(), c.team,
                  [](const TeamEntry& t, const std::string& id) {
                    return t.team < id;
                  });
              org.teams.insert(it, TeamEntry{c.team, c.name});
              return Status::Ok();
            },
            [&](const TeamDeleted& c) {
              std::erase_if(org.teams, [&](const TeamEntry& t) {
                return t.team == c.team;
              });
              return Status::Ok();
            },
            [&](const CreditCardUpdated& c) {
              org.card = CardEntry{c.card.brand, c.card.last4, c.card.exp_month,
                                   c.card.exp_year, c.card.holder_name};
              return Status::Ok();
            },
            [&](const SubscriptionChanged& c) {
              tx.Delete(keys::EditionOrg(org.edition, e.org));
              tx.Put(keys::EditionOrg(c.to, e.org), "");
              org.edition = c.to;
              return Status::Ok();
            },
            [&](const PaymentRecorded& c) {
              tx.PutRow(keys::Positioned('y', e.org, e.position),
                        PaymentOf(c.payment));
              tx.Put(keys::PaymentIndex(e.org, c.payment.payment_id),
                     eventstore::EncodeFixed64BE(e.position));
              return Status::Ok();
            },
            [&](const PaymentStatusChanged& c) {
              Result<std::optional<std::string>> at =
                  tx.Get(keys::PaymentIndex(e.org, c.payment.payment_id));
              if (!at.ok()) return at.status();
              std::uint64_t position = e.position;
              const std::string index = at->value_or("");
              std::string_view in = index;
              if (at->has_value() &&
                  !eventstore::GetFixed64BE(&in, &position)) {
                return Corruption("damaged payment index in " + e.org);
              }
              tx.PutRow(keys::Positioned('y', e.org, position),
                        PaymentOf(c.payment));
              return Status::Ok();
            },
            [&](const ResourceCountRecorded& c) {
              const RumSample sample{c.count, c.at};
              const std::string key = keys::RumMonth(e.org, MonthOf(c.at));
              Result<std::optional<RumMonthRow>> month =
                  tx.GetRow<RumMonthRow>(key);
              if (!month.ok()) return month.status();
              tx.PutRow(key, FoldSample(*month, org.rum_last, sample));
              org.rum_last = sample;
              return Status::Ok();
            },
        },
        e.event);
    if (!s.ok()) return s;
    org.version = e.version;
    org.latest_at = std::max(org.latest_at, e.meta.recorded_at);
    return marks_ ? MaybeMark(e, tx, org) : Status::Ok();
  }

 private:
  const bool marks_;

  static PaymentRow PaymentOf(const Payment& p) {
    return {p.payment_id, p.amount_cents, p.currency,
            std::string(PaymentStatusName(p.status)), p.paid_at};
  }

  static PendingInvite* FindPending(OrgRow& org, const std::string& id) {
    for (PendingInvite& p : org.pending) {
      if (p.invite_id == id) return &p;
    }
    return nullptr;
  }
  static void DropPending(OrgRow& org, const std::string& id) {
    std::erase_if(org.pending,
                  [&](const PendingInvite& p) { return p.invite_id == id; });
  }

  // Counts and lists `user_id` in `role` from event `e` on.
  static Status Join(const ProjectedEvent& e, StateTx& tx, OrgRow& org,
                     const std::string& user_id, const std::string& name,
                     const std::string& email, Role role, Micros since) {
    PersonRow person{RoleText(role), name, email, since, 0};
    if (role == Role::kBillingManager) {
      org.billing_managers.push_back({user_id, name, email, since});
    } else {
      (role == Role::kAdmin ? org.admins : org.members) += 1;
      person.member_key = e.position;
      tx.PutRow(keys::Positioned('m', e.org, e.position),
                MemberRow{user_id, name, email, person.role, since});
    }
    tx.PutRow(keys::Person(e.org, user_id), person);
    tx.Put(keys::UserOrg(user_id, e.org), person.role);
    return Status::Ok();
  }

  // Removes `user_id` from every list and count.
  static Status Unlist(const ProjectedEvent& e, StateTx& tx, OrgRow& org,
                       const std::string& user_id, const PersonRow& person) {
    if (person.role == "billing_manager") {
      std::erase_if(org.billing_managers, [&](const BillingManagerEntry& b) {
        return b.user_id == user_id;
      });
    } else {
      (person.role == "admin" ? org.admins : org.members) -= 1;
      tx.Delete(keys::Positioned('m', e.org, person.member_key));
    }
    return Status::Ok();
  }

  static Result<PersonRow> FindPerson(const ProjectedEvent& e, StateTx& tx,
                                      const std::string& user_id) {
    Result<std::optional<PersonRow>> person =
        tx.GetRow<PersonRow>(keys::Person(e.org, user_id));
    if (!person.ok()) return person.status();
    if (!person->has_value()) {
      return Corruption("event at position " + std::to_string(e.position) +
                        " names " + user_id + ", unknown in " + e.org);
    }
    return **person;
  }

  static Status Leave(const ProjectedEvent& e, StateTx& tx, OrgRow& org,
                      const std::string& user_id) {
    Result<PersonRow> person = FindPerson(e, tx, user_id);
    if (!person.ok()) return person.status();
    tx.Delete(keys::Person(e.org, user_id));
    tx.Delete(keys::UserOrg(user_id, e.org));
    return Unlist(e, tx, org, user_id, *person);
  }

  static Status ChangeRole(const ProjectedEvent& e, StateTx& tx, OrgRow& org,
                           const RoleChanged& c) {
    Result<PersonRow> person = FindPerson(e, tx, c.user_id);
    if (!person.ok()) return person.status();
    if (Status s = Unlist(e, tx, org, c.user_id, *person); !s.ok()) return s;
    return Join(e, tx, org, c.user_id, person->name, person->email, c.to,
                person->since);
  }
};

}  // namespace

std::unique_ptr<Projection> NewOrganizationsProjection(bool marks) {
  return std::make_unique<OrganizationsProjection>(marks);
}

Result<std::vector<EditionInUse>> EditionsInUse(ProjectionSet& set,
                                                std::size_t examples) {
  std::unique_ptr<eventstore::StateReader> snap =
      set.store().state().Snapshot();
  Result<std::string> live = set.Find(kOrganizations)->LivePrefix(*snap);
  if (!live.ok()) return live.status();
  const std::string index = *live + "E";
  const std::string end = eventstore::PrefixEnd(index);
  std::vector<EditionInUse> out;
  // One seek per edition: past an edition's organizations to the next.
  std::string from = index;
  while (true) {
    Result<std::vector<eventstore::KeyValue>> first =
        snap->Scan(from, end, 1, false);
    if (!first.ok()) return first.status();
    if (first->empty()) return out;
    const std::string_view key =
        std::string_view(first->front().first).substr(index.size());
    const std::size_t nul = key.find('\0');
    if (nul == std::string_view::npos) {
      return Corruption("damaged edition index key in projection " +
                        std::string(kOrganizations));
    }
    EditionInUse use;
    use.edition = std::string(key.substr(0, nul));
    const std::string orgs = index + use.edition + '\0';
    Result<std::vector<eventstore::KeyValue>> some =
        snap->Scan(orgs, eventstore::PrefixEnd(orgs), examples + 1, false);
    if (!some.ok()) return some.status();
    for (const eventstore::KeyValue& kv : *some) {
      if (use.orgs.size() == examples) {
        use.more = true;
        break;
      }
      use.orgs.push_back(kv.first.substr(orgs.size()));
    }
    out.push_back(std::move(use));
    from = eventstore::PrefixEnd(orgs);
  }
}

Result<std::vector<OrgRole>> OrganizationsOf(ProjectionSet& set,
                                             std::string_view user_id,
                                             std::size_t limit) {
  std::unique_ptr<eventstore::StateReader> snap =
      set.store().state().Snapshot();
  Result<std::string> live = set.Find(kOrganizations)->LivePrefix(*snap);
  if (!live.ok()) return live.status();
  const std::string from = *live + keys::UserOrg(user_id, "");
  Result<std::vector<eventstore::KeyValue>> rows =
      snap->Scan(from, eventstore::PrefixEnd(from), limit, false);
  if (!rows.ok()) return rows.status();
  std::vector<OrgRole> out;
  for (eventstore::KeyValue& kv : *rows) {
    out.push_back(OrgRole{kv.first.substr(from.size()), std::move(kv.second)});
  }
  return out;
}

}  // namespace orgledger::projections
