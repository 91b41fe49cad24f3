#include "base/private_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace orgledger {
namespace {

// Closes a descriptor on every path out.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string Why() { return std::strerror(errno); }

}  // namespace

Result<std::optional<std::string>> ReadPrivateFile(const std::string& path,
                                                   const FileRead& how) {
  Fd f{::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)};
  if (f.fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    if (errno == ELOOP) {
      return InvalidArgument(how.named +
                             " is a symbolic link; give the file itself");
    }
    return InvalidArgument(how.named + ": cannot read it: " + Why());
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return InvalidArgument(how.named + " is not a regular file");
  }
  if (how.owner_only && (st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o",
                  static_cast<unsigned>(st.st_mode & 07777));
    return InvalidArgument(how.named + " has mode " + mode +
                           ": group and others may not read or write " +
                           std::string(how.holds) + "; run chmod 600 " + path);
  }
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(f.fd, buffer, sizeof buffer)) > 0) {
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > how.max_bytes) {
      return InvalidArgument(how.named + " is larger than " +
                             std::to_string(how.max_bytes) + " bytes");
    }
  }
  if (n < 0) return InvalidArgument(how.named + ": cannot read it: " + Why());
  return std::optional<std::string>(std::move(text));
}

Status CreatePrivateFile(const std::string& path, const std::string& named,
                         std::string_view text, mode_t mode) {
  Fd f{::open(path.c_str(),
              O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)};
  if (f.fd < 0) {
    if (errno == EEXIST) {
      return Status(Code::kAlreadyExists,
                    named + " exists: it is never overwritten");
    }
    return Unavailable("cannot create " + named + ": " + Why());
  }
  // fchmod: the umask may have taken bits `mode` asks for.
  if (::write(f.fd, text.data(), text.size()) !=
          static_cast<ssize_t>(text.size()) ||
      ::fchmod(f.fd, mode) != 0 || ::fsync(f.fd) != 0) {
    const std::string why = Why();
    ::unlink(path.c_str());
    return Unavailable("cannot write " + named + ": " + why);
  }
  return Status::Ok();
}

}  // namespace orgledger
