// ViewReader: everything one view query reads, from one consistent
// snapshot of the projections' state: the organization's row, the viewer's
// role in it, pages of positioned rows, and the RUM month rows. Internal to
// projections/ (the views); one reader per query, not thread-safe.
#ifndef ORGLEDGER_PROJECTIONS_VIEW_READER_H_
#define ORGLEDGER_PROJECTIONS_VIEW_READER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "domain/authorization.h"
#include "domain/state.h"
#include "projections/as_of.h"
#include "projections/projection_set.h"
#include "projections/row_coding.h"
#include "projections/rows.h"
#include "projections/rum.h"

namespace orgledger::projections {

class ViewReader {
 public:
  // `set` must outlive the reader.
  ViewReader(ProjectionSet& set, std::string org, domain::Actor viewer);
  // The organization as of a moment: its rows from `folded` (which must
  // outlive the reader), the viewer's role from the projections' rows the
  // fold started from: permissions are today's.
  ViewReader(ProjectionSet& set, const FoldedOrg& folded, std::string org,
             domain::Actor viewer);

  ViewReader(const ViewReader&) = delete;
  ViewReader& operator=(const ViewReader&) = delete;

  // Reads the organization and the viewer's role. kNotFound when the
  // organization does not exist; kCorruption for a damaged row.
  Status Load();

  // The viewer's scope for `p` (SPEC §1.8). REQUIRES: Load() succeeded.
  domain::Scope ScopeOf(domain::Permission p) const;
  bool Full(domain::Permission p) const {
    return ScopeOf(p) == domain::Scope::kFull;
  }

  const OrgRow& org() const { return org_; }

  // A page of the organization's positioned rows of `kind` in the
  // `projection`'s live generation, newest first: at most `limit`, before
  // `before` when given; `*next` is set when there is more. Each row is
  // decoded as RowT.
  template <class RowT>
  Result<std::vector<std::pair<std::uint64_t, RowT>>> Page(
      std::string_view projection, char kind, std::int64_t limit,
      std::optional<std::uint64_t> before, std::optional<std::uint64_t>* next) {
    Result<std::vector<std::pair<std::uint64_t, std::string>>> raw =
        RawPage(projection, kind, limit, before, next);
    if (!raw.ok()) return raw.status();
    std::vector<std::pair<std::uint64_t, RowT>> out;
    out.reserve(raw->size());
    for (auto& [position, bytes] : *raw) {
      Result<RowT> row = DecodeRow<RowT>(bytes);
      if (!row.ok()) return row.status();
      out.emplace_back(position, std::move(*row));
    }
    return out;
  }

  // The RUM summary of `month` as of `now`.
  Result<RumSummary> Rum(std::uint32_t month, domain::Micros now);

 private:
  template <class RowT>
  Result<std::optional<RowT>> Row(eventstore::StateReader& from,
                                  const std::string& key);

  Result<std::vector<std::pair<std::uint64_t, std::string>>> RawPage(
      std::string_view projection, char kind, std::int64_t limit,
      std::optional<std::uint64_t> before, std::optional<std::uint64_t>* next);
  // Appends to `out` at most `limit` of the rows of `kind` under `live`
  // in `from`, newest first, before `before` when given.
  Status Positioned(eventstore::StateReader& from, const std::string& live,
                    char kind, std::size_t limit,
                    std::optional<std::uint64_t> before,
                    std::vector<std::pair<std::uint64_t, std::string>>* out);

  ProjectionSet& set_;
  const std::string org_name_;
  const domain::Actor viewer_;
  const FoldedOrg* const folded_ = nullptr;
  // The rows' state: the projections' (a snapshot, owned), or the folded
  // one, read in place (nothing writes to it after the fold).
  std::unique_ptr<eventstore::StateReader> own_snap_;
  eventstore::StateReader* snap_;
  // The projections' snapshot for the viewer's role (and the audit rows
  // before the fold's mark) when folded_: the fold's own.
  eventstore::StateReader* live_ = nullptr;
  std::string orgs_;  // the organizations projection's prefix in snap_
  OrgRow org_;
  domain::OrgState viewer_state_;
};

}  // namespace orgledger::projections

#endif  // ORGLEDGER_PROJECTIONS_VIEW_READER_H_
