#include "privacy/erasure_record.h"

#include "eventstore/coding.h"

namespace orgledger::privacy {
namespace {

constexpr char kPrefix[] = "x";

std::string Encode(const ErasureRecord& r) {
  std::string out(1, r.done ? '\1' : '\0');
  eventstore::PutLengthPrefixed(&out, r.by);
  eventstore::PutFixed64BE(&out, static_cast<std::uint64_t>(r.at));
  eventstore::PutVarint64(&out, r.orgs.size());
  for (const std::string& org : r.orgs)
    eventstore::PutLengthPrefixed(&out, org);
  eventstore::PutVarint64(&out, r.rows.size());
  for (const std::string& row : r.rows)
    eventstore::PutLengthPrefixed(&out, row);
  return out;
}

bool GetList(std::string_view* in, std::vector<std::string>* out) {
  std::uint64_t n = 0;
  if (!eventstore::GetVarint64(in, &n) || n > in->size()) return false;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string_view item;
    if (!eventstore::GetLengthPrefixed(in, &item)) return false;
    out->emplace_back(item);
  }
  return true;
}

Result<ErasureRecord> Decode(std::string_view in) {
  ErasureRecord r;
  std::string_view by;
  std::uint64_t at = 0;
  if (in.empty() || static_cast<unsigned char>(in[0]) > 1) {
    return Corruption("an erasure record is damaged");
  }
  r.done = in[0] == '\1';
  in.remove_prefix(1);
  if (!eventstore::GetLengthPrefixed(&in, &by) ||
      !eventstore::GetFixed64BE(&in, &at) || !GetList(&in, &r.orgs) ||
      !GetList(&in, &r.rows) || !in.empty()) {
    return Corruption("an erasure record is damaged");
  }
  r.by = std::string(by);
  r.at = static_cast<domain::Micros>(at);
  return r;
}

}  // namespace

Result<std::optional<ErasureRecord>> ReadErasure(eventstore::EventStore& store,
                                                 const std::string& id) {
  Result<std::optional<std::string>> row = store.GetKeyRow(kPrefix + id);
  if (!row.ok()) return row.status();
  if (!row->has_value()) return std::optional<ErasureRecord>();
  Result<ErasureRecord> r = Decode(**row);
  if (!r.ok()) return r.status();
  return std::optional<ErasureRecord>(std::move(*r));
}

Status WriteErasure(eventstore::EventStore& store, const std::string& id,
                    const ErasureRecord& record) {
  eventstore::StateBatch batch;
  batch.Put(kPrefix + id, Encode(record));
  return store.WriteKeyRows(batch, /*sync=*/true);
}

Result<std::vector<std::pair<std::string, ErasureRecord>>> UnfinishedErasures(
    eventstore::EventStore& store) {
  Result<std::vector<eventstore::KeyValue>> rows = store.ScanKeyRows(kPrefix);
  if (!rows.ok()) return rows.status();
  std::vector<std::pair<std::string, ErasureRecord>> out;
  for (const auto& [key, value] : *rows) {
    Result<ErasureRecord> r = Decode(value);
    if (!r.ok()) return r.status();
    if (!r->done) out.emplace_back(key.substr(1), std::move(*r));
  }
  return out;
}

}  // namespace orgledger::privacy
