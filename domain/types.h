// The vocabulary of SPEC §1: roles, channels, statuses, actors, times.
#ifndef ORGLEDGER_DOMAIN_TYPES_H_
#define ORGLEDGER_DOMAIN_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace orgledger::domain {

// Microseconds since the Unix epoch, UTC.
using Micros = std::int64_t;

enum class Role { kAdmin, kMember, kBillingManager };
enum class Channel { kEmail, kLink };
enum class InviteStatus { kPending, kAccepted, kRevoked };
enum class PaymentStatus { kSucceeded, kFailed, kRefunded };

std::string_view RoleName(Role r);  // "admin", ...
std::optional<Role> RoleFromName(std::string_view s);
std::string_view ChannelName(Channel c);              // "email" | "link"
std::string_view PaymentStatusName(PaymentStatus s);  // "succeeded", ...
std::optional<PaymentStatus> PaymentStatusFromName(std::string_view s);

// Who issues a command or asks for a view (SPEC §1.1): a person
// authenticated by the host, or one of the host's own services.
// Intentionally copyable.
struct Actor {
  bool system = false;
  std::string id;       // persons
  std::string email;    // persons, as given (trimmed)
  std::string name;     // persons
  std::string service;  // system actors

  static Actor Person(std::string id, std::string email, std::string name) {
    return Actor{false, std::move(id), std::move(email), std::move(name), ""};
  }
  static Actor System(std::string service) {
    return Actor{true, "", "", "", std::move(service)};
  }
  friend bool operator==(const Actor&, const Actor&) = default;
};

}  // namespace orgledger::domain

#endif  // ORGLEDGER_DOMAIN_TYPES_H_
