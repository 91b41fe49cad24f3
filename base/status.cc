#include "base/status.h"

#include <array>
#include <utility>

namespace orgledger {
namespace {

constexpr std::array<std::pair<Code, std::string_view>, 24> kNames = {{
    {Code::kOk, "ok"},
    {Code::kInvalidRequest, "invalid_request"},
    {Code::kInvalidArgument, "invalid_argument"},
    {Code::kNotFound, "not_found"},
    {Code::kAlreadyExists, "already_exists"},
    {Code::kForbidden, "forbidden"},
    {Code::kNotAvailableOnEdition, "not_available_on_edition"},
    {Code::kLimitReached, "limit_reached"},
    {Code::kLimitExceeded, "limit_exceeded"},
    {Code::kAlreadyInOrganization, "already_in_organization"},
    {Code::kInvitePending, "invite_pending"},
    {Code::kInviteNotFound, "invite_not_found"},
    {Code::kInviteRevoked, "invite_revoked"},
    {Code::kInviteAlreadyUsed, "invite_already_used"},
    {Code::kEmailMismatch, "email_mismatch"},
    {Code::kLastAdmin, "last_admin"},
    {Code::kConcurrencyConflict, "concurrency_conflict"},
    {Code::kIdempotencyConflict, "idempotency_conflict"},
    {Code::kNotCaughtUp, "not_caught_up"},
    {Code::kUnavailable, "unavailable"},
    {Code::kUnauthenticated, "unauthenticated"},
    {Code::kTooLarge, "too_large"},
    {Code::kCorruption, "corruption"},
    {Code::kInternal, "internal"},
}};

}  // namespace

std::string_view CodeName(Code code) {
  for (const auto& [c, name] : kNames) {
    if (c == code) return name;
  }
  return "internal";
}

std::optional<Code> CodeFromName(std::string_view name) {
  for (const auto& [c, n] : kNames) {
    if (n == name) return c;
  }
  return std::nullopt;
}

std::string Status::ToString() const {
  std::string out(CodeName(code_));
  if (!message_.empty()) {
    out += ": ";
    out += message_;
  }
  return out;
}

}  // namespace orgledger
