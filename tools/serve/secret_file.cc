#include "tools/serve/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "commands/system_context.h"

namespace orgledger::serve {
namespace {

constexpr std::size_t kMinSecretChars = 16;
constexpr std::size_t kMaxSecretBytes = 4096;

std::string Named(std::string_view flag, const std::string& path) {
  return std::string(flag) + " " + path;
}

// Closes a descriptor on every path out.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Result<std::optional<std::string>> ReadSecretFile(std::string_view flag,
                                                  const std::string& path) {
  if (path.empty()) return InvalidArgument(std::string(flag) + " is required");
  Fd f{::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)};
  if (f.fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    if (errno == ELOOP) {
      return InvalidArgument(Named(flag, path) +
                             " is a symbolic link; give the file itself");
    }
    return InvalidArgument(Named(flag, path) +
                           ": cannot read it: " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return InvalidArgument(Named(flag, path) + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o",
                  static_cast<unsigned>(st.st_mode & 07777));
    return InvalidArgument(Named(flag, path) + " has mode " + mode +
                           ": group and others may not read or write a "
                           "secret; run chmod 600 " +
                           path);
  }
  std::string secret(kMaxSecretBytes, '\0');
  const ssize_t n = ::read(f.fd, secret.data(), secret.size());
  if (n < 0) {
    return InvalidArgument(Named(flag, path) +
                           ": cannot read it: " + std::strerror(errno));
  }
  secret.resize(static_cast<std::size_t>(n));
  while (!secret.empty() &&
         std::isspace(static_cast<unsigned char>(secret.back()))) {
    secret.pop_back();
  }
  if (secret.size() < kMinSecretChars) {
    return InvalidArgument("the secret in " + Named(flag, path) +
                           " is shorter than 16 characters");
  }
  return std::optional<std::string>(std::move(secret));
}

Result<std::string> CreateSecretFile(std::string_view flag,
                                     const std::string& path) {
  Fd f{::open(path.c_str(),
              O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)};
  if (f.fd < 0) {
    return Unavailable("cannot create " + Named(flag, path) + ": " +
                       std::strerror(errno));
  }
  const std::string secret = commands::RandomBase64Url(32);
  const std::string line = secret + "\n";
  if (::write(f.fd, line.data(), line.size()) !=
          static_cast<ssize_t>(line.size()) ||
      ::fsync(f.fd) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(path.c_str());
    return Unavailable("cannot write " + Named(flag, path) + ": " + why);
  }
  return secret;
}

}  // namespace orgledger::serve
