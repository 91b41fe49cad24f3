// The per-person keys of SPEC §10, in the event store's key rows
// (EventStore::GetKeyRow; docs/format.md, "Key rows"). A person is an email
// (normalized): their fields are sealed with their key, and the user ids
// and organizations they were seen with are linked to it, so that erasing
// them by email or by user id finds every key and organization without
// reading the log. Thread-safe; keys are cached in memory, bounded.
#ifndef ORGLEDGER_PRIVACY_PERSON_KEYS_H_
#define ORGLEDGER_PRIVACY_PERSON_KEYS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/result.h"
#include "eventstore/event_store.h"
#include "privacy/cipher.h"

namespace orgledger::privacy {

struct PersonKey {
  KeyId id{};
  KeyBytes key{};
};

// Everything erasing one person destroys and rewrites.
struct ErasurePlan {
  std::vector<KeyId> keys;
  std::set<std::string> orgs;      // where their keys sealed fields
  std::set<std::string> user_ids;  // linked to their keys
  // The key rows to delete (keys, links, the email index).
  std::vector<std::string> rows;
};

// Key ids are random: their first bytes are a hash already.
struct KeyIdHash {
  std::size_t operator()(const KeyId& id) const {
    std::size_t h = 0;
    std::memcpy(&h, id.data(), sizeof h);
    return h;
  }
};

class PersonKeys {
 public:
  explicit PersonKeys(eventstore::EventStore* store,
                      std::size_t cache_entries = 1 << 16);

  // The key that seals `email`'s fields (made when they have none),
  // linked to `user_id` (when not empty) and to `org`. The key rows that
  // make a new key or link durable are added to `rows`, not written: the
  // caller appends them with the records sealed with the key
  // (AppendRequest::key_rows, one atomic write) and calls Confirm once
  // they are. kInvalidArgument for an empty email; kUnavailable from the
  // store.
  Result<PersonKey> ForPerson(std::string_view email, std::string_view user_id,
                              std::string_view org,
                              std::map<std::string, std::string>* rows);
  // `rows` (of ForPerson) are durable: not added again.
  void Confirm(const std::map<std::string, std::string>& rows);

  // The key `id`, or nullopt when it was destroyed (or never made).
  Result<std::optional<KeyBytes>> Find(const KeyId& id);

  // Every key of the person with `email` or `user_id` (exactly one set),
  // following links both ways (an email's user ids, their other emails).
  Result<ErasurePlan> Plan(const std::optional<std::string>& user_id,
                           const std::optional<std::string>& email);
  // Deletes `rows` (an ErasurePlan's), synced, and forgets the cached
  // keys.
  Status Destroy(const std::vector<std::string>& rows);
  // Forgets every cached key and link (another process may have destroyed
  // some: an erasure read from the log), and moves epoch() on.
  void ForgetCached();
  // How many times the caches were forgotten: a state folded from the log
  // under an earlier epoch may hold an erased person's plaintext, and is
  // folded again rather than kept or snapshotted.
  std::uint64_t epoch() const { return epoch_.load(); }

  // Erasures this process runs, which purge the files themselves once
  // every projection folded them (a projection that reaches another one,
  // from another process or after a restart, purges what it rewrote).
  void BeginLocalErasure(const std::string& id);
  void EndLocalErasure(const std::string& id);
  bool IsLocalErasure(const std::string& id);

  // Records before this position may hold personal fields in plaintext
  // (written before keys existed); 1 for a database that never had any.
  // Recorded at the first call on a database.
  Result<eventstore::Position> PlaintextBefore();

 private:
  struct Cached {
    PersonKey key;
    // The rows that make it, until an append that holds them succeeded
    // (empty for a key read from the store).
    std::map<std::string, std::string> unconfirmed;
  };
  // The caches are split in shards, each behind a mutex of its own: every
  // command's fields and every projection's decoded record look keys up,
  // and one lock for all of them made the threads queue on it (W1 with 64
  // writers, docs/decisions.md). A shard holds the emails, keys and links
  // whose hash picks it; an operation takes one shard's lock at a time,
  // except ForgetCached, which takes them all, in order.
  struct Shard {
    std::mutex mu;
    // Normalized email -> key.
    std::unordered_map<std::string, Cached> by_email;
    // Keys not confirmed yet -> their normalized email.
    std::unordered_map<KeyId, std::string, KeyIdHash> unconfirmed;
    std::unordered_map<KeyId, KeyBytes, KeyIdHash> by_id;
    std::unordered_set<std::string> links;  // link rows known written
  };
  static constexpr std::size_t kShards = 16;
  Shard& ShardOf(std::string_view text);
  Shard& ShardOf(const KeyId& id);

  // The key the store holds for an email's hash, or nullopt.
  Result<std::optional<PersonKey>> Stored(const std::string& hash);
  void Remember(const std::string& normalized, Cached cached);

  eventstore::EventStore* const store_;
  // Entries a shard's map holds before it is emptied (a crude bound).
  const std::size_t shard_entries_;
  std::array<Shard, kShards> shards_;
  std::atomic<std::uint64_t> epoch_{0};
  std::mutex erasures_mu_;
  std::set<std::string> local_erasures_;
};

// The keys of `store`: one PersonKeys for every reader of it in the
// process (a destroyed key leaves every cache at once), kept with it.
PersonKeys& KeysOf(eventstore::EventStore& store);

// The email index's hash of an email (SHA-256 of its normalized form).
std::string EmailHash(std::string_view email);
// The same of an email already normalized (domain::NormalizeEmail).
std::string HashOf(const std::string& normalized);

}  // namespace orgledger::privacy

#endif  // ORGLEDGER_PRIVACY_PERSON_KEYS_H_
