#include "tools/serve/secret_file.h"

#include <cctype>

#include "base/private_file.h"
#include "commands/system_context.h"

namespace orgledger::serve {
namespace {

constexpr std::size_t kMinSecretChars = 16;
constexpr std::size_t kMaxSecretBytes = 4096;

std::string Named(std::string_view flag, const std::string& path) {
  return std::string(flag) + " " + path;
}

// The file's text without its trailing whitespace.
Result<std::optional<std::string>> ReadTrimmed(std::string_view flag,
                                               const std::string& path,
                                               const char* what) {
  if (path.empty()) return InvalidArgument(std::string(flag) + " is required");
  Result<std::optional<std::string>> read =
      ReadPrivateFile(path, {Named(flag, path), what, true, kMaxSecretBytes});
  if (!read.ok() || !read->has_value()) return read;
  std::string text = std::move(**read);
  while (!text.empty() &&
         std::isspace(static_cast<unsigned char>(text.back()))) {
    text.pop_back();
  }
  return std::optional<std::string>(std::move(text));
}

}  // namespace

Result<std::optional<std::string>> ReadPasswordFile(std::string_view flag,
                                                    const std::string& path) {
  Result<std::optional<std::string>> read =
      ReadTrimmed(flag, path, "a password");
  if (read.ok() && read->has_value() && (*read)->empty()) {
    return InvalidArgument(Named(flag, path) + " is empty");
  }
  return read;
}

Result<std::optional<std::string>> ReadSecretFile(std::string_view flag,
                                                  const std::string& path) {
  Result<std::optional<std::string>> read = ReadTrimmed(flag, path, "a secret");
  if (!read.ok() || !read->has_value()) return read;
  std::string secret = std::move(**read);
  if (secret.size() < kMinSecretChars) {
    return InvalidArgument("the secret in " + Named(flag, path) +
                           " is shorter than 16 characters");
  }
  return std::optional<std::string>(std::move(secret));
}

Result<std::string> CreateSecretFile(std::string_view flag,
                                     const std::string& path) {
  const std::string secret = commands::RandomBase64Url(32);
  Status s = CreatePrivateFile(path, Named(flag, path), secret + "\n", 0600);
  if (!s.ok()) return Unavailable(s.message());
  return secret;
}

}  // namespace orgledger::serve
