#include "domain/closed_invites.h"

#include <cstring>

#include "base/base64url.h"

namespace orgledger::domain {
namespace {

constexpr std::string_view kPrefix = "inv_";
using PackedId = std::string;  // 16 bytes

// The 16 bytes of an id of the engine's form, or nullopt for any other id.
// Base64UrlDecode refuses a last character with its low bits set, which
// would otherwise pack like another id.
std::optional<PackedId> Pack(std::string_view id) {
  if (id.size() != kPrefix.size() + 22 || !id.starts_with(kPrefix)) {
    return std::nullopt;
  }
  return Base64UrlDecode(id.substr(kPrefix.size()));
}

std::string Unpack(const char* bytes) {
  return std::string(kPrefix) + Base64UrlEncode(std::string_view(bytes, 16));
}

char Facts(const ClosedInvite& c) {
  return static_cast<char>(static_cast<int>(c.role) |
                           (static_cast<int>(c.channel) << 2) |
                           (static_cast<int>(c.status) << 3));
}

ClosedInvite FromFacts(char facts) {
  const int f = static_cast<unsigned char>(facts);
  ClosedInvite c;
  c.role = static_cast<Role>(f & 3);
  c.channel = static_cast<Channel>((f >> 2) & 1);
  c.status = static_cast<InviteStatus>((f >> 3) & 3);
  return c;
}

// The index of the first record whose id is not below `key`.
std::size_t LowerBound(const std::string& packed, const PackedId& key) {
  std::size_t lo = 0;
  std::size_t hi = packed.size() / ClosedInvites::kPackedSize;
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    const char* record = packed.data() + mid * ClosedInvites::kPackedSize;
    if (std::memcmp(record, key.data(), key.size()) < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

bool IdAt(const std::string& packed, std::size_t i, const PackedId& key) {
  const std::size_t at = i * ClosedInvites::kPackedSize;
  return at < packed.size() &&
         std::memcmp(packed.data() + at, key.data(), key.size()) == 0;
}

}  // namespace

std::optional<ClosedInvite> ClosedInvites::Find(std::string_view id) const {
  if (std::optional<PackedId> key = Pack(id)) {
    const std::size_t i = LowerBound(packed, *key);
    if (IdAt(packed, i, *key)) {
      return FromFacts(packed[i * kPackedSize + key->size()]);
    }
  }
  if (auto it = others.find(id); it != others.end()) return it->second;
  return std::nullopt;
}

void ClosedInvites::Put(const std::string& id, const ClosedInvite& closed) {
  std::optional<PackedId> key;
  if (closed.token_hash.empty() && !others.contains(id)) key = Pack(id);
  if (!key.has_value()) {
    others[id] = closed;
    return;
  }
  const std::size_t i = LowerBound(packed, *key);
  const char facts = Facts(closed);
  if (IdAt(packed, i, *key)) {
    packed[i * kPackedSize + key->size()] = facts;
    return;
  }
  std::string record(key->data(), key->size());
  record.push_back(facts);
  packed.insert(i * kPackedSize, record);
}

std::vector<std::string> ClosedInvites::Ids() const {
  std::vector<std::string> ids;
  ids.reserve(size());
  for (std::size_t at = 0; at < packed.size(); at += kPackedSize) {
    ids.push_back(Unpack(packed.data() + at));
  }
  for (const auto& [id, closed] : others) ids.push_back(id);
  return ids;
}

}  // namespace orgledger::domain
