#include "privacy/person_keys.h"

#include <openssl/sha.h>

#include <algorithm>

#include "domain/validation.h"
#include "eventstore/coding.h"

namespace orgledger::privacy {
namespace {

// Key rows (docs/format.md, "Key rows").
constexpr char kPlaintextBefore[] = "b";
std::string Bytes(const KeyId& id) {
  return std::string(reinterpret_cast<const char*>(id.data()), id.size());
}
std::string KeyRow(const KeyId& id) { return "k" + Bytes(id); }
std::string HashRow(const KeyId& id) { return "h" + Bytes(id); }
std::string EmailRow(const std::string& hash, const KeyId& id) {
  return "e" + hash + Bytes(id);
}
// The email's first key, for a point lookup (a miss is a bloom filter's
// answer, where a scan of the "e" rows would open an iterator).
std::string FirstKeyRow(const std::string& hash) { return "E" + hash; }
std::string UserRow(std::string_view user, const KeyId& id) {
  return "u" + std::string(user) + '\0' + Bytes(id);
}
std::string ReverseUserRow(const KeyId& id, std::string_view user) {
  return "r" + Bytes(id) + std::string(user);
}
std::string OrgRow(const KeyId& id, std::string_view org) {
  return "o" + Bytes(id) + std::string(org);
}

KeyId IdFrom(std::string_view bytes) {
  KeyId id{};
  std::copy_n(bytes.begin(), id.size(), id.begin());
  return id;
}

}  // namespace

std::string EmailHash(std::string_view email) {
  return HashOf(domain::NormalizeEmail(email));
}

std::string HashOf(const std::string& normalized) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(normalized.data()),
         normalized.size(), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

PersonKeys& KeysOf(eventstore::EventStore& store) {
  return store.Attached<PersonKeys>("privacy.person_keys", [&store] {
    return std::make_unique<PersonKeys>(&store);
  });
}

PersonKeys::PersonKeys(eventstore::EventStore* store, std::size_t cache_entries)
    : store_(store),
      shard_entries_(std::max<std::size_t>(1, cache_entries / kShards)) {}

PersonKeys::Shard& PersonKeys::ShardOf(std::string_view text) {
  return shards_[std::hash<std::string_view>{}(text) % kShards];
}

PersonKeys::Shard& PersonKeys::ShardOf(const KeyId& id) {
  // The last byte: KeyIdHash takes the first ones, for the maps' buckets.
  return shards_[id.back() % kShards];
}

Result<std::optional<PersonKey>> PersonKeys::Stored(const std::string& hash) {
  // Two processes may make a key for one new email at once: both "e" rows
  // stay (erasure destroys all), and each seals with its own until the
  // "E" row, which the last one wrote, is read again.
  Result<std::optional<std::string>> first =
      store_->GetKeyRow(FirstKeyRow(hash));
  if (!first.ok()) return first.status();
  if (!first->has_value() || (*first)->size() != sizeof(KeyId)) {
    return std::optional<PersonKey>();
  }
  const KeyId id = IdFrom(**first);
  Result<std::optional<KeyBytes>> key = Find(id);
  if (!key.ok()) return key.status();
  if (!key->has_value()) return std::optional<PersonKey>();  // destroyed
  return std::optional<PersonKey>(PersonKey{id, **key});
}

void PersonKeys::Remember(const std::string& normalized, Cached cached) {
  const PersonKey key = cached.key;
  const bool unconfirmed = !cached.unconfirmed.empty();
  {
    Shard& shard = ShardOf(normalized);
    std::lock_guard<std::mutex> lock(shard.mu);
    // A crude bound: the cache only saves reads (a key not confirmed yet
    // that is dropped is made again: two keys for one email, both erased).
    if (shard.by_email.size() >= shard_entries_) shard.by_email.clear();
    shard.by_email[normalized] = std::move(cached);
  }
  Shard& shard = ShardOf(key.id);
  std::lock_guard<std::mutex> lock(shard.mu);
  if (shard.by_id.size() >= shard_entries_) shard.by_id.clear();
  shard.by_id[key.id] = key.key;
  if (unconfirmed) {
    if (shard.unconfirmed.size() >= shard_entries_) shard.unconfirmed.clear();
    shard.unconfirmed[key.id] = normalized;
  }
}

Result<PersonKey> PersonKeys::ForPerson(
    std::string_view email, std::string_view user_id, std::string_view org,
    std::map<std::string, std::string>* rows) {
  if (email.empty()) return InvalidArgument("a person key needs an email");
  // Cached by the normalized email itself (in memory only): a hit costs
  // no hash.
  const std::string normalized = domain::NormalizeEmail(email);
  std::optional<PersonKey> key;
  {
    Shard& shard = ShardOf(normalized);
    std::lock_guard<std::mutex> lock(shard.mu);
    if (auto it = shard.by_email.find(normalized); it != shard.by_email.end()) {
      key = it->second.key;
      for (const auto& [row, value] : it->second.unconfirmed) {
        (*rows)[row] = value;
      }
    }
  }
  if (!key.has_value()) {
    const std::string hash = HashOf(normalized);
    Result<std::optional<PersonKey>> stored = Stored(hash);
    if (!stored.ok()) return stored.status();
    Cached cached;
    if (stored->has_value()) {
      cached.key = **stored;
    } else {
      Result<KeyId> id = NewKeyId();
      if (!id.ok()) return id.status();
      Result<KeyBytes> bytes = NewKey();
      if (!bytes.ok()) return bytes.status();
      cached.key = PersonKey{*id, *bytes};
      cached.unconfirmed[KeyRow(*id)] = std::string(
          reinterpret_cast<const char*>(bytes->data()), bytes->size());
      cached.unconfirmed[HashRow(*id)] = hash;
      cached.unconfirmed[EmailRow(hash, *id)] = "";
      cached.unconfirmed[FirstKeyRow(hash)] = Bytes(*id);
      for (const auto& [row, value] : cached.unconfirmed) {
        (*rows)[row] = value;
      }
    }
    key = cached.key;
    Remember(normalized, std::move(cached));
  }
  std::string links[3];
  std::size_t n = 0;
  if (!user_id.empty()) {
    links[n++] = UserRow(user_id, key->id);
    links[n++] = ReverseUserRow(key->id, user_id);
  }
  if (!org.empty()) links[n++] = OrgRow(key->id, org);
  for (std::size_t i = 0; i < n; ++i) {
    Shard& shard = ShardOf(links[i]);
    bool known = false;
    {
      std::lock_guard<std::mutex> lock(shard.mu);
      known = shard.links.contains(links[i]);
    }
    if (!known) (*rows)[std::move(links[i])] = "";
  }
  return *key;
}

void PersonKeys::Confirm(const std::map<std::string, std::string>& rows) {
  for (const auto& [row, value] : rows) {
    if (row.empty()) continue;
    if (row[0] == 'k' && row.size() == 1 + sizeof(KeyId)) {
      // The key is durable now.
      const KeyId id = IdFrom(std::string_view(row).substr(1));
      std::string email;
      {
        Shard& shard = ShardOf(id);
        std::lock_guard<std::mutex> lock(shard.mu);
        auto it = shard.unconfirmed.find(id);
        if (it == shard.unconfirmed.end()) continue;
        email = std::move(it->second);
        shard.unconfirmed.erase(it);
      }
      // Only while the email's entry still holds this key: its shard may
      // have been emptied since (each map has its own bound) and a newer
      // key made, whose rows are not durable yet.
      Shard& shard = ShardOf(email);
      std::lock_guard<std::mutex> lock(shard.mu);
      if (auto e = shard.by_email.find(email);
          e != shard.by_email.end() && e->second.key.id == id) {
        e->second.unconfirmed.clear();
      }
    } else if (row[0] == 'u' || row[0] == 'r' || row[0] == 'o') {
      Shard& shard = ShardOf(row);
      std::lock_guard<std::mutex> lock(shard.mu);
      if (shard.links.size() >= shard_entries_) shard.links.clear();
      shard.links.insert(row);
    }
  }
}

Result<std::optional<KeyBytes>> PersonKeys::Find(const KeyId& id) {
  Shard& shard = ShardOf(id);
  {
    std::lock_guard<std::mutex> lock(shard.mu);
    if (auto it = shard.by_id.find(id); it != shard.by_id.end()) {
      return std::optional<KeyBytes>(it->second);
    }
  }
  Result<std::optional<std::string>> row = store_->GetKeyRow(KeyRow(id));
  if (!row.ok()) return row.status();
  if (!row->has_value()) return std::optional<KeyBytes>();
  if ((*row)->size() != sizeof(KeyBytes)) {
    return Corruption("a person key row is damaged");
  }
  KeyBytes key{};
  std::copy_n((*row)->begin(), key.size(), key.begin());
  std::lock_guard<std::mutex> lock(shard.mu);
  if (shard.by_id.size() >= shard_entries_) shard.by_id.clear();
  shard.by_id[id] = key;
  return std::optional<KeyBytes>(key);
}

Result<ErasurePlan> PersonKeys::Plan(const std::optional<std::string>& user_id,
                                     const std::optional<std::string>& email) {
  ErasurePlan plan;
  std::set<KeyId> keys;
  std::vector<KeyId> todo;
  std::set<std::string> users_done;
  auto add_keys = [&](const std::string& prefix, std::size_t id_at) -> Status {
    Result<std::vector<eventstore::KeyValue>> rows =
        store_->ScanKeyRows(prefix);
    if (!rows.ok()) return rows.status();
    for (const auto& [row, unused] : *rows) {
      const KeyId id = IdFrom(std::string_view(row).substr(id_at));
      if (keys.insert(id).second) todo.push_back(id);
    }
    return Status::Ok();
  };
  auto add_user = [&](const std::string& user) -> Status {
    if (!users_done.insert(user).second) return Status::Ok();
    plan.user_ids.insert(user);
    return add_keys("u" + user + '\0', 1 + user.size() + 1);
  };
  if (email.has_value()) {
    const std::string hash = EmailHash(*email);
    if (Status s = add_keys("e" + hash, 1 + hash.size()); !s.ok()) return s;
  }
  if (user_id.has_value()) {
    if (Status s = add_user(*user_id); !s.ok()) return s;
  }
  while (!todo.empty()) {
    const KeyId id = todo.back();
    todo.pop_back();
    plan.keys.push_back(id);
    plan.rows.push_back(KeyRow(id));
    Result<std::optional<std::string>> hash = store_->GetKeyRow(HashRow(id));
    if (!hash.ok()) return hash.status();
    if (hash->has_value()) {
      plan.rows.push_back(HashRow(id));
      plan.rows.push_back(EmailRow(**hash, id));
      plan.rows.push_back(FirstKeyRow(**hash));
    }
    for (char kind : {'r', 'o'}) {
      const std::string prefix = std::string(1, kind) + Bytes(id);
      Result<std::vector<eventstore::KeyValue>> rows =
          store_->ScanKeyRows(prefix);
      if (!rows.ok()) return rows.status();
      for (const auto& [row, unused] : *rows) {
        plan.rows.push_back(row);
        const std::string tail = row.substr(prefix.size());
        if (kind == 'o') {
          plan.orgs.insert(tail);
        } else {
          plan.rows.push_back(UserRow(tail, id));
          if (Status s = add_user(tail); !s.ok()) return s;
        }
      }
    }
  }
  return plan;
}

Status PersonKeys::Destroy(const std::vector<std::string>& rows) {
  eventstore::StateBatch batch;
  for (const std::string& row : rows) batch.Delete(row);
  if (Status s = store_->WriteKeyRows(batch, /*sync=*/true); !s.ok()) return s;
  ForgetCached();
  return Status::Ok();
}

void PersonKeys::ForgetCached() {
  // Every shard at once, so that no lookup sees some forgotten and others
  // not.
  std::array<std::unique_lock<std::mutex>, kShards> locks;
  for (std::size_t i = 0; i < kShards; ++i) {
    locks[i] = std::unique_lock<std::mutex>(shards_[i].mu);
  }
  for (Shard& shard : shards_) {
    shard.by_email.clear();
    shard.by_id.clear();
    shard.links.clear();
    shard.unconfirmed.clear();
  }
  epoch_.fetch_add(1);
}

void PersonKeys::BeginLocalErasure(const std::string& id) {
  std::lock_guard<std::mutex> lock(erasures_mu_);
  local_erasures_.insert(id);
}

void PersonKeys::EndLocalErasure(const std::string& id) {
  std::lock_guard<std::mutex> lock(erasures_mu_);
  local_erasures_.erase(id);
}

bool PersonKeys::IsLocalErasure(const std::string& id) {
  std::lock_guard<std::mutex> lock(erasures_mu_);
  return local_erasures_.contains(id);
}

Result<eventstore::Position> PersonKeys::PlaintextBefore() {
  Result<std::optional<std::string>> row = store_->GetKeyRow(kPlaintextBefore);
  if (!row.ok()) return row.status();
  std::string value;
  if (row->has_value()) {
    value = **row;
  } else {
    // Processes sharing a store agree on the first one's answer.
    Result<std::string> agreed = store_->AdoptSetting(
        "plaintext_before",
        eventstore::EncodeFixed64BE(store_->CommittedPosition() + 1));
    if (!agreed.ok()) return agreed.status();
    value = *agreed;
    eventstore::StateBatch batch;
    batch.Put(kPlaintextBefore, value);
    if (Status s = store_->WriteKeyRows(batch, /*sync=*/true); !s.ok()) {
      return s;
    }
  }
  std::string_view in = value;
  std::uint64_t position = 0;
  if (!eventstore::GetFixed64BE(&in, &position) || !in.empty()) {
    return Corruption("the key row \"b\" is damaged");
  }
  return position;
}

}  // namespace orgledger::privacy
