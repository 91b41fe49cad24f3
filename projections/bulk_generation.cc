#include "projections/bulk_generation.h"

#include <iterator>
#include <utility>

namespace orgledger::projections {
namespace {

// What one gathered entry costs beside its key and value: the map node
// (links, key and optional value objects) and the allocator's rounding.
constexpr std::size_t kEntryOverhead = 128;

}  // namespace

BulkGeneration::BulkGeneration(eventstore::StateStore* store,
                               std::string prefix, bool fresh,
                               std::size_t budget)
    : store_(store),
      prefix_(std::move(prefix)),
      budget_(budget),
      fresh_(fresh) {}

Result<std::optional<std::string>> BulkGeneration::Get(std::string_view key) {
  if (auto it = gathered_.find(key); it != gathered_.end()) return it->second;
  if (fresh_ && InGeneration(key)) return std::optional<std::string>();
  return store_->Get(key);
}

Result<std::vector<eventstore::KeyValue>> BulkGeneration::Scan(
    std::string_view begin, std::string_view end, std::size_t limit,
    bool reverse) {
  auto first = gathered_.lower_bound(begin);
  auto last = end.empty() ? gathered_.end() : gathered_.lower_bound(end);
  // The gathered entries of the range go over the store's first `limit`
  // plus as many keys: however many of those they delete, the first
  // `limit` keys of the result are among them.
  std::map<std::string, std::string, std::less<>> seen;
  if (!(fresh_ && InGeneration(begin) && !end.empty() && InGeneration(end))) {
    const std::size_t gathered =
        static_cast<std::size_t>(std::distance(first, last));
    Result<std::vector<eventstore::KeyValue>> stored =
        store_->Scan(begin, end, limit + gathered, reverse);
    if (!stored.ok()) return stored.status();
    for (auto& [key, value] : *stored) seen.emplace(key, std::move(value));
    if (stored->size() == limit + gathered && !stored->empty()) {
      // Gathered keys past the store's last one read are not yet decided.
      const std::string& edge = stored->back().first;
      if (reverse) {
        first = gathered_.lower_bound(edge);
      } else {
        last = gathered_.upper_bound(edge);
      }
    }
  }
  for (auto it = first; it != last; ++it) {
    if (it->second.has_value()) {
      seen[it->first] = *it->second;
    } else {
      seen.erase(it->first);
    }
  }
  std::vector<eventstore::KeyValue> out;
  auto take = [&](auto from, auto to) {
    for (; from != to && out.size() < limit; ++from) {
      out.emplace_back(from->first, std::move(from->second));
    }
  };
  if (reverse) {
    take(seen.rbegin(), seen.rend());
  } else {
    take(seen.begin(), seen.end());
  }
  return out;
}

std::unique_ptr<eventstore::StateReader> BulkGeneration::Snapshot() {
  // A failed flush leaves the rows gathered; the snapshot then lacks them,
  // and the next Write or Flush reports the failure.
  (void)Flush();
  return store_->Snapshot();
}

Status BulkGeneration::PurgeDeleted() {
  if (Status s = Flush(); !s.ok()) return s;
  return store_->PurgeDeleted();
}

Status BulkGeneration::Write(const eventstore::StateBatch& batch) {
  using Kind = eventstore::StateBatch::Kind;
  for (const eventstore::StateBatch::Op& op : batch.ops()) {
    if (op.kind == Kind::kDeleteRange) {
      // Not a rebuild's write: everything goes to the store, in order.
      if (Status s = Flush(); !s.ok()) return s;
      fresh_ = false;
      return store_->Write(batch);
    }
  }
  for (const eventstore::StateBatch::Op& op : batch.ops()) {
    auto [it, inserted] = gathered_.try_emplace(op.key);
    if (inserted) {
      bytes_ += op.key.size() + kEntryOverhead;
    } else if (it->second.has_value()) {
      bytes_ -= it->second->size();
    }
    if (op.kind == Kind::kPut) {
      it->second = op.value;
      bytes_ += op.value.size();
    } else if (fresh_ && InGeneration(op.key)) {
      // Nothing of the generation is stored yet: nothing to hide.
      bytes_ -= op.key.size() + kEntryOverhead;
      gathered_.erase(it);
    } else {
      it->second.reset();
    }
  }
  if (bytes_ >= budget_) return Flush();
  return Status::Ok();
}

Status BulkGeneration::Flush() {
  if (gathered_.empty()) return Status::Ok();
  Result<std::unique_ptr<eventstore::SortedStateFile>> file =
      store_->NewSortedFile();
  if (!file.ok()) return file.status();
  for (const auto& [key, value] : gathered_) {
    Status s =
        value.has_value() ? (*file)->Put(key, *value) : (*file)->Delete(key);
    if (!s.ok()) return s;
  }
  if (Status s = (*file)->Ingest(); !s.ok()) return s;
  gathered_.clear();
  bytes_ = 0;
  fresh_ = false;
  ++files_;
  return Status::Ok();
}

}  // namespace orgledger::projections
