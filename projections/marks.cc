#include "projections/marks.h"

#include <algorithm>
#include <vector>

namespace orgledger::projections {

Status MaybeMark(const ProjectedEvent& e, StateTx& tx, OrgRow& org) {
  if (org.next_mark == 0) org.next_mark = kMarkEvery;
  if (org.version < org.next_mark) return Status::Ok();
  MarkRow mark{org.version, org.latest_at, {}};
  std::size_t bytes = 0;
  for (const auto& [begin, end] : keys::OrgRanges(e.org, kMarkedKinds, true)) {
    Result<std::vector<eventstore::KeyValue>> rows = tx.ScanRows(begin, end);
    if (!rows.ok()) return rows.status();
    for (auto& [key, value] : *rows) {
      bytes += key.size() + value.size();
      mark.rows.push_back({std::move(key), std::move(value)});
    }
  }
  tx.PutRow(keys::Positioned('h', e.org, e.position), mark);
  tx.Put(keys::TimeMark(e.org, org.latest_at, e.position),
         eventstore::EncodeFixed64BE(org.version));
  org.next_mark = org.version + std::max<std::uint64_t>(
                                    kMarkEvery, bytes / kMarkBytesPerEvent);
  return Status::Ok();
}

namespace {

Result<Mark> MarkAt(eventstore::StateReader& reader, const std::string& prefix,
                    const std::string& org, eventstore::Position position) {
  Result<std::optional<std::string>> bytes =
      reader.Get(prefix + keys::Positioned('h', org, position));
  if (!bytes.ok()) return bytes.status();
  Result<MarkRow> row = bytes->has_value()
                            ? DecodeRow<MarkRow>(**bytes)
                            : Result<MarkRow>(NotFound("missing"));
  if (!row.ok()) {
    return Corruption("as-of mark of " + org + " at position " +
                      std::to_string(position) + " is missing or damaged");
  }
  return Mark{position, std::move(*row)};
}

// A "h" or "t" key's position (after `prefix`, and a time for "t").
Result<eventstore::Position> KeyPosition(std::string_view key,
                                         std::size_t prefix, bool timed,
                                         const std::string& org) {
  std::string_view tail = key.substr(prefix);
  std::uint64_t latest = 0;
  eventstore::Position at = 0;
  if ((timed && !eventstore::GetFixed64BE(&tail, &latest)) ||
      !eventstore::GetFixed64BE(&tail, &at)) {
    return Corruption("damaged as-of mark key of " + org);
  }
  return at;
}

// The version at the head of a mark row's value (MarkRow's first field),
// or of a "t" row's.
Result<std::uint64_t> HeadVersion(std::string_view value, bool row,
                                  const std::string& org) {
  if (row) {
    if (value.empty() || value[0] != kRowVersion) value = {};
    value.remove_prefix(std::min<std::size_t>(1, value.size()));
  }
  std::uint64_t version = 0;
  if (!eventstore::GetFixed64BE(&value, &version)) {
    return Corruption("damaged as-of mark of " + org);
  }
  return version;
}

}  // namespace

Result<MarksAround> FindMarks(eventstore::StateReader& reader,
                              const std::string& prefix, const std::string& org,
                              std::optional<eventstore::Position> position,
                              std::optional<domain::Micros> time,
                              eventstore::Position bound) {
  MarksAround out;
  const bool timed = !position.has_value();
  const std::string begin = prefix + keys::Prefix(timed ? 't' : 'h', org);
  // The first key after the moment.
  std::string after = begin;
  eventstore::PutFixed64BE(
      &after, timed ? static_cast<std::uint64_t>(*time) + 1 : *position + 1);
  Result<std::vector<eventstore::KeyValue>> next =
      reader.Scan(after, eventstore::PrefixEnd(begin), 1, false);
  if (!next.ok()) return next.status();
  if (!next->empty()) {
    Result<std::uint64_t> v = HeadVersion(next->front().second, !timed, org);
    if (!v.ok()) return v.status();
    out.after_version = *v;
  }
  // The marks' latest times grow with their positions: the latest mark at
  // or before the moment is the last before `after`, unless it is past
  // `bound` (rows the other projection has not reached).
  std::string end = after;
  if (!timed && bound < *position) {
    end = begin;
    eventstore::PutFixed64BE(&end, bound + 1);
  }
  constexpr std::size_t kChunk = 16;
  while (true) {
    Result<std::vector<eventstore::KeyValue>> found =
        reader.Scan(begin, end, timed ? kChunk : 1, true);
    if (!found.ok()) return found.status();
    for (const auto& [key, value] : *found) {
      Result<eventstore::Position> at =
          KeyPosition(key, begin.size(), timed, org);
      if (!at.ok()) return at.status();
      if (*at > bound) continue;
      if (timed) {
        Result<Mark> m = MarkAt(reader, prefix, org, *at);
        if (!m.ok()) return m.status();
        out.before = std::move(*m);
      } else {
        Result<MarkRow> row = DecodeRow<MarkRow>(value);
        if (!row.ok())
          return Corruption("as-of mark of " + org + " is damaged");
        out.before = Mark{*at, std::move(*row)};
      }
      return out;
    }
    if (found->size() < (timed ? kChunk : 1)) return out;
    end = found->back().first;
  }
}

}  // namespace orgledger::projections
