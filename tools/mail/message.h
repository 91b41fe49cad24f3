// The invitation email: its acceptance page's URL and the message itself
// (RFC 5322, plain UTF-8 text). Pure: no sockets.
#ifndef ORGLEDGER_TOOLS_MAIL_MESSAGE_H_
#define ORGLEDGER_TOOLS_MAIL_MESSAGE_H_

#include <cstdint>
#include <string>

#include "projections/outbox.h"

namespace orgledger::mail {

// `public_url` (serve's --public-url, no trailing slash needed) joined with
// `path`.
std::string PublicUrl(const std::string& public_url, const std::string& path);

// The acceptance page of an email invitation: /orgs/{org}/invites/{id}.
std::string InviteUrl(const std::string& public_url,
                      const projections::InviteEmail& email);

// The whole message, headers and body, CRLF line ends. `from` is the
// header sender (its domain ends the Message-ID); `now` (microseconds
// since the epoch) its Date. The addresses must be SafeAddress().
std::string InviteMessage(const projections::InviteEmail& email,
                          const std::string& from,
                          const std::string& public_url, std::int64_t now);

// Whether `address` may go into a header and an SMTP command: no line
// breaks or control characters, no angle brackets, one '@'.
bool SafeAddress(const std::string& address);

}  // namespace orgledger::mail

#endif  // ORGLEDGER_TOOLS_MAIL_MESSAGE_H_
