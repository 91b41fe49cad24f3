#include "projections/view_reader.h"

#include "projections/builtin.h"

namespace orgledger::projections {

ViewReader::ViewReader(ProjectionSet& set, std::string org,
                       domain::Actor viewer)
    : set_(set),
      org_name_(std::move(org)),
      viewer_(std::move(viewer)),
      own_snap_(set.store().state().Snapshot()),
      snap_(own_snap_.get()) {}

ViewReader::ViewReader(ProjectionSet& set, const FoldedOrg& folded,
                       std::string org, domain::Actor viewer)
    : set_(set),
      org_name_(std::move(org)),
      viewer_(std::move(viewer)),
      folded_(&folded),
      snap_(folded.state.get()),
      live_(folded.live.get()) {}

template <class RowT>
Result<std::optional<RowT>> ViewReader::Row(eventstore::StateReader& from,
                                            const std::string& key) {
  Result<std::optional<std::string>> bytes = from.Get(key);
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return std::optional<RowT>();
  Result<RowT> row = DecodeRow<RowT>(**bytes);
  if (!row.ok()) return row.status();
  return std::optional<RowT>(std::move(*row));
}

Status ViewReader::Load() {
  eventstore::StateReader& live = folded_ != nullptr ? *live_ : *snap_;
  Result<std::string> prefix = set_.Find(kOrganizations)->LivePrefix(live);
  if (!prefix.ok()) return prefix.status();
  const std::string live_orgs = std::move(*prefix);
  orgs_ = folded_ != nullptr ? folded_->organizations_prefix : live_orgs;
  Result<std::optional<OrgRow>> org =
      Row<OrgRow>(*snap_, orgs_ + keys::Org(org_name_));
  if (!org.ok()) return org.status();
  if (!org->has_value()) {
    return NotFound("organization " + org_name_ + " does not exist");
  }
  org_ = std::move(**org);
  // The viewer's role is all Authorize needs of the organization's state.
  domain::OrgState state;
  state.exists = true;
  if (!viewer_.system) {
    Result<std::optional<PersonRow>> person =
        Row<PersonRow>(live, live_orgs + keys::Person(org_name_, viewer_.id));
    if (!person.ok()) return person.status();
    if (person->has_value()) {
      domain::Person p;
      p.user_id = viewer_.id;
      p.role = *domain::RoleFromName((*person)->role);
      state.people.emplace(p.user_id, p);
      state.Reindex();
    }
  }
  viewer_state_ = std::move(state);
  return Status::Ok();
}

domain::Scope ViewReader::ScopeOf(domain::Permission p) const {
  return domain::Authorize(viewer_state_, viewer_, p).scope;
}

Status ViewReader::Positioned(
    eventstore::StateReader& from, const std::string& live, char kind,
    std::size_t limit, std::optional<std::uint64_t> before,
    std::vector<std::pair<std::uint64_t, std::string>>* out) {
  const std::string prefix = live + keys::Prefix(kind, org_name_);
  const std::string end =
      before.has_value() ? live + keys::Positioned(kind, org_name_, *before)
                         : eventstore::PrefixEnd(prefix);
  Result<std::vector<eventstore::KeyValue>> rows =
      from.Scan(prefix, end, limit, true);
  if (!rows.ok()) return rows.status();
  for (auto& [key, value] : *rows) {
    std::string_view tail = std::string_view(key).substr(prefix.size());
    std::uint64_t position = 0;
    if (!eventstore::GetFixed64BE(&tail, &position)) {
      return Corruption("damaged projection key");
    }
    out->emplace_back(position, std::move(value));
  }
  return Status::Ok();
}

Result<std::vector<std::pair<std::uint64_t, std::string>>> ViewReader::RawPage(
    std::string_view projection, char kind, std::int64_t limit,
    std::optional<std::uint64_t> before, std::optional<std::uint64_t>* next) {
  // Load() already read the organizations' prefix from this snapshot.
  Result<std::string> live =
      projection == kOrganizations ? Result<std::string>(orgs_)
      : folded_ != nullptr ? Result<std::string>(folded_->audit_log_prefix)
                           : set_.Find(projection)->LivePrefix(*snap_);
  if (!live.ok()) return live.status();
  // One more than the page: whether there is a next one.
  const std::size_t want = static_cast<std::size_t>(limit) + 1;
  std::vector<std::pair<std::uint64_t, std::string>> out;
  if (Status s = Positioned(*snap_, *live, kind, want, before, &out); !s.ok()) {
    return s;
  }
  // As of a moment, the audit rows up to the fold's mark are the live ones.
  if (projection != kOrganizations && folded_ != nullptr &&
      folded_->live_audit_until > 0 && out.size() < want) {
    std::uint64_t until = folded_->live_audit_until + 1;
    if (before.has_value()) until = std::min(until, *before);
    if (Status s = Positioned(*live_, folded_->live_audit_prefix, kind,
                              want - out.size(), until, &out);
        !s.ok()) {
      return s;
    }
  }
  if (out.size() == want) {
    out.pop_back();
    *next = out.back().first;
  }
  return out;
}

Result<RumSummary> ViewReader::Rum(std::uint32_t month, domain::Micros now) {
  Result<std::optional<RumMonthRow>> row =
      Row<RumMonthRow>(*snap_, orgs_ + keys::RumMonth(org_name_, month));
  if (!row.ok()) return row.status();
  // A month without samples holds what the latest earlier month ended on.
  std::optional<RumMonthRow> earlier;
  if (!row->has_value()) {
    Result<std::vector<eventstore::KeyValue>> before =
        snap_->Scan(orgs_ + keys::Prefix('r', org_name_),
                    orgs_ + keys::RumMonth(org_name_, month), 1, true);
    if (!before.ok()) return before.status();
    if (!before->empty()) {
      Result<RumMonthRow> r = DecodeRow<RumMonthRow>(before->front().second);
      if (!r.ok()) return r.status();
      earlier = std::move(*r);
    }
  }
  return Summarize(month, *row, earlier, now);
}

}  // namespace orgledger::projections
