#include "domain/types.h"

namespace orgledger::domain {

std::string_view RoleName(Role r) {
  switch (r) {
    case Role::kAdmin:
      return "admin";
    case Role::kMember:
      return "member";
    case Role::kBillingManager:
      return "billing_manager";
  }
  return "member";
}

std::optional<Role> RoleFromName(std::string_view s) {
  if (s == "admin") return Role::kAdmin;
  if (s == "member") return Role::kMember;
  if (s == "billing_manager") return Role::kBillingManager;
  return std::nullopt;
}

std::string_view ChannelName(Channel c) {
  return c == Channel::kEmail ? "email" : "link";
}

std::string_view PaymentStatusName(PaymentStatus s) {
  switch (s) {
    case PaymentStatus::kSucceeded:
      return "succeeded";
    case PaymentStatus::kFailed:
      return "failed";
    case PaymentStatus::kRefunded:
      return "refunded";
  }
  return "failed";
}

std::optional<PaymentStatus> PaymentStatusFromName(std::string_view s) {
  if (s == "succeeded") return PaymentStatus::kSucceeded;
  if (s == "failed") return PaymentStatus::kFailed;
  if (s == "refunded") return PaymentStatus::kRefunded;
  return std::nullopt;
}

}  // namespace orgledger::domain
