// ClosedInvites: the accepted and revoked invitations of an organization,
// as little as deciding needs of each (ClosedInvite), in little memory: an
// organization sends invitations for as long as it lives, and its state
// keeps every one of them (a later command naming one answers
// invite_already_used or invite_revoked). An email invitation whose id has
// the engine's own form ("inv_" and 22 base64url characters: 16 random
// bytes) takes 17 bytes; a link (it keeps its token's hash) or any other
// id takes a map entry. Intentionally copyable.
#ifndef ORGLEDGER_DOMAIN_CLOSED_INVITES_H_
#define ORGLEDGER_DOMAIN_CLOSED_INVITES_H_

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/types.h"

namespace orgledger::domain {

// What deciding still needs of an accepted or revoked invitation: a later
// command naming it answers invite_already_used or invite_revoked, checked
// against the permission of its role, and a link's token still finds it.
struct ClosedInvite {
  Role role = Role::kMember;
  Channel channel = Channel::kEmail;
  InviteStatus status = InviteStatus::kAccepted;
  std::string token_hash;  // links only
  friend bool operator==(const ClosedInvite&, const ClosedInvite&) = default;
};

struct ClosedInvites {
  // Records of kPackedSize bytes, sorted by id: the id's 16 bytes, then
  // role, channel and status in one byte.
  static constexpr std::size_t kPackedSize = 17;
  std::string packed;
  // Every other closed invitation, by id.
  std::map<std::string, ClosedInvite, std::less<>> others;

  friend bool operator==(const ClosedInvites&, const ClosedInvites&) = default;

  std::optional<ClosedInvite> Find(std::string_view id) const;
  // Records `id` as closed (again: replaced).
  void Put(const std::string& id, const ClosedInvite& closed);
  std::size_t size() const {
    return packed.size() / kPackedSize + others.size();
  }
  bool empty() const { return size() == 0; }
  // Every id, packed ones first (for tests and tools).
  std::vector<std::string> Ids() const;
};

}  // namespace orgledger::domain

#endif  // ORGLEDGER_DOMAIN_CLOSED_INVITES_H_
