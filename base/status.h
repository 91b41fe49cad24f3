// Status: the outcome of an operation that can fail in an expected way.
// The codes are the stable, machine-readable error codes of SPEC §3.3, plus
// two internal ones (kCorruption, kInternal) that never reach the wire as
// such. Shaped like absl::Status. Intentionally copyable.
#ifndef ORGLEDGER_BASE_STATUS_H_
#define ORGLEDGER_BASE_STATUS_H_

#include <optional>
#include <string>
#include <string_view>

namespace orgledger {

enum class Code {
  kOk = 0,
  kInvalidRequest,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kForbidden,
  kNotAvailableOnEdition,
  kLimitReached,
  kLimitExceeded,
  kAlreadyInOrganization,
  kInvitePending,
  kInviteNotFound,
  kInviteRevoked,
  kInviteAlreadyUsed,
  kEmailMismatch,
  kLastAdmin,
  kConcurrencyConflict,
  kIdempotencyConflict,
  kNotCaughtUp,
  kUnavailable,
  kUnauthenticated,
  kTooLarge,
  // Stored bytes fail a check (CRC, hash chain, decoding). Not a SPEC code.
  kCorruption,
  // A bug or an impossible state. Not a SPEC code.
  kInternal,
};

// The wire name of `code` ("invalid_request", ...).
std::string_view CodeName(Code code);
// The inverse of CodeName; nullopt for an unknown name.
std::optional<Code> CodeFromName(std::string_view name);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // "code_name: message", for logs and test failures.
  std::string ToString() const;

  friend bool operator==(const Status&, const Status&) = default;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) {
  return {Code::kInvalidArgument, std::move(m)};
}
inline Status NotFound(std::string m) {
  return {Code::kNotFound, std::move(m)};
}
inline Status Unavailable(std::string m) {
  return {Code::kUnavailable, std::move(m)};
}
inline Status Corruption(std::string m) {
  return {Code::kCorruption, std::move(m)};
}
inline Status Internal(std::string m) {
  return {Code::kInternal, std::move(m)};
}

}  // namespace orgledger

#endif  // ORGLEDGER_BASE_STATUS_H_
