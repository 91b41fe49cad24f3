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
  const std::string normalized = domain::NormalizeEmail(email);
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
    : store_(store), cache_entries_(cache_entries) {}

Result<std::optional<PersonKey>> PersonKeys::Lookup(
    const std::string& email_hash) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = by_email_.find(email_hash); it != by_email_.end()) {
      return std::optional<PersonKey>(it->second);
    }
  }
  // Two processes may make a key for one new email at once: both rows
  // stay, every process seals with the first, erasure destroys all.
  Result<std::vector<eventstore::KeyValue>> rows =
      store_->ScanKeyRows("e" + email_hash);
  if (!rows.ok()) return rows.status();
  for (const auto& [row, unused] : *rows) {
    const KeyId id =
        IdFrom(std::string_view(row).substr(1 + email_hash.size()));
    Result<std::optional<KeyBytes>> key = Find(id);
    if (!key.ok()) return key.status();
    if (!key->has_value()) continue;  // being destroyed
    PersonKey found{id, **key};
    Remember(email_hash, found);
    return std::optional<PersonKey>(found);
  }
  return std::optional<PersonKey>();
}

void PersonKeys::Remember(const std::string& email_hash, const PersonKey& key) {
  std::lock_guard<std::mutex> lock(mu_);
  // A crude bound: the cache only saves reads.
  if (by_email_.size() >= cache_entries_) by_email_.clear();
  if (by_id_.size() >= cache_entries_) by_id_.clear();
  if (links_.size() >= cache_entries_) links_.clear();
  by_email_[email_hash] = key;
  by_id_[key.id] = key.key;
}

Result<PersonKey> PersonKeys::ForPerson(std::string_view email,
                                        std::string_view user_id,
                                        std::string_view org) {
  if (email.empty()) return InvalidArgument("a person key needs an email");
  const std::string hash = EmailHash(email);
  Result<std::optional<PersonKey>> found = Lookup(hash);
  if (!found.ok()) return found.status();
  eventstore::StateBatch batch;
  PersonKey key;
  if (found->has_value()) {
    key = **found;
  } else {
    Result<KeyId> id = NewKeyId();
    if (!id.ok()) return id.status();
    Result<KeyBytes> bytes = NewKey();
    if (!bytes.ok()) return bytes.status();
    key = PersonKey{*id, *bytes};
    batch.Put(KeyRow(key.id),
              std::string(reinterpret_cast<const char*>(key.key.data()),
                          key.key.size()));
    batch.Put(HashRow(key.id), hash);
    batch.Put(EmailRow(hash, key.id), "");
  }
  std::vector<std::string> links;
  if (!user_id.empty()) {
    links.push_back(UserRow(user_id, key.id));
    links.push_back(ReverseUserRow(key.id, user_id));
  }
  if (!org.empty()) links.push_back(OrgRow(key.id, org));
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::string& link : links) {
      if (!links_.contains(link)) batch.Put(link, "");
    }
  }
  if (!batch.empty()) {
    // Not synced: it is in the write-ahead log before the records sealed
    // with it, and durable with them.
    if (Status s = store_->WriteKeyRows(batch, /*sync=*/false); !s.ok()) {
      return s;
    }
  }
  Remember(hash, key);
  std::lock_guard<std::mutex> lock(mu_);
  for (std::string& link : links) links_.insert(std::move(link));
  return key;
}

Result<std::optional<KeyBytes>> PersonKeys::Find(const KeyId& id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = by_id_.find(id); it != by_id_.end()) {
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
  std::lock_guard<std::mutex> lock(mu_);
  if (by_id_.size() >= cache_entries_) by_id_.clear();
  by_id_[id] = key;
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

Status PersonKeys::Destroy(const ErasurePlan& plan) {
  eventstore::StateBatch batch;
  for (const std::string& row : plan.rows) batch.Delete(row);
  if (Status s = store_->WriteKeyRows(batch, /*sync=*/true); !s.ok()) return s;
  ForgetCached();
  return Status::Ok();
}

void PersonKeys::ForgetCached() {
  std::lock_guard<std::mutex> lock(mu_);
  by_email_.clear();
  by_id_.clear();
  links_.clear();
  epoch_.fetch_add(1);
}

void PersonKeys::BeginLocalErasure(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  local_erasures_.insert(id);
}

void PersonKeys::EndLocalErasure(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  local_erasures_.erase(id);
}

bool PersonKeys::IsLocalErasure(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
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
