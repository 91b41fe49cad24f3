// The files that hold serve's bearer secrets (the host's, the operator's).
// A secret file is read only when no one but its owner may read it, never
// through a symbolic link; a missing one is created in one step, mode 0600,
// and only once the server knows it can start (server.cc).
#ifndef ORGLEDGER_TOOLS_SERVE_SECRET_FILE_H_
#define ORGLEDGER_TOOLS_SERVE_SECRET_FILE_H_

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace orgledger::serve {

// The secret in `path` (trailing whitespace dropped), or nullopt when there
// is no such file. kInvalidArgument, naming `flag` and `path`: a symbolic
// link, not a regular file, group or others may read or write it, or a
// secret shorter than 16 characters.
Result<std::optional<std::string>> ReadSecretFile(std::string_view flag,
                                                  const std::string& path);

// The same checks for a password someone else chose (an SMTP server's):
// any length but empty.
Result<std::optional<std::string>> ReadPasswordFile(std::string_view flag,
                                                    const std::string& path);

// A new random secret (256 bits, URL-safe) written to `path`, which must
// not exist: O_CREAT|O_EXCL|O_NOFOLLOW with mode 0600, then fsync.
Result<std::string> CreateSecretFile(std::string_view flag,
                                     const std::string& path);

}  // namespace orgledger::serve

#endif  // ORGLEDGER_TOOLS_SERVE_SECRET_FILE_H_
