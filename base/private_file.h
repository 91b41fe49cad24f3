// Files that hold secrets (bearer secrets, private keys): read only when
// they are regular files no one but their owner may read or write, never
// through a symbolic link; created in one step, never over an existing
// file, and flushed before they count as written.
#ifndef ORGLEDGER_BASE_PRIVATE_FILE_H_
#define ORGLEDGER_BASE_PRIVATE_FILE_H_

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace orgledger {

struct FileRead {
  // How errors name the file ("--secret-file /etc/x", or the path itself).
  std::string named;
  // What it holds, for the mode error ("a secret", "a private key").
  std::string_view holds;
  // Refuse a file group or others may read or write.
  bool owner_only = true;
  std::size_t max_bytes = 1 << 20;
};

// The whole of `path`, or nullopt when there is no such file.
// kInvalidArgument naming the file: a symbolic link, not a regular file, a
// mode that lets others in (naming the mode and the chmod that mends it),
// or unreadable.
Result<std::optional<std::string>> ReadPrivateFile(const std::string& path,
                                                   const FileRead& how);

// `text` into `path`, which must not exist: O_CREAT|O_EXCL|O_NOFOLLOW with
// `mode`, then fsync; a file half written is removed. kAlreadyExists when
// it exists, kUnavailable (naming `named` and the cause) otherwise.
Status CreatePrivateFile(const std::string& path, const std::string& named,
                         std::string_view text, mode_t mode);

}  // namespace orgledger

#endif  // ORGLEDGER_BASE_PRIVATE_FILE_H_
