// Sending one message over SMTP with libcurl: TLS from the start
// (smtps://) or upgraded with STARTTLS when the server offers it
// (smtp://; required with tls_required), authentication when a user is
// given. The answer says whether to try again: a 5xx is permanent, the
// rest (no connection, 4xx, a timeout) transient.
#ifndef ORGLEDGER_TOOLS_MAIL_SMTP_H_
#define ORGLEDGER_TOOLS_MAIL_SMTP_H_

#include <chrono>
#include <string>

#include "base/status.h"

namespace orgledger::mail {

struct SmtpOptions {
  std::string url;   // smtp://host[:port] or smtps://host[:port]
  std::string from;  // the envelope sender (and the messages' From)
  std::string user;  // empty: no authentication
  std::string password;
  bool tls_required = false;  // smtp://: refuse a server without STARTTLS
  // The CA certificates (PEM) the server's certificate must chain to;
  // empty: the system's (/etc/ssl/certs).
  std::string ca_file;
  // Connecting, and the whole exchange of one message.
  std::chrono::milliseconds timeout{30000};
};

// kInvalidArgument naming the flag when `options` cannot work: the URL's
// scheme, the sender's address.
Status CheckSmtpOptions(const SmtpOptions& options);

struct SendResult {
  enum class Kind { kSent, kTransient, kPermanent };
  Kind kind = Kind::kTransient;
  int smtp_code = 0;   // the server's last reply code, 0 when none came
  std::string detail;  // what went wrong, in words (never a password)
};

// Sends `message` (headers and body, CRLF) to `to`. Thread-safe.
SendResult SendSmtp(const SmtpOptions& options, const std::string& to,
                    const std::string& message);

}  // namespace orgledger::mail

#endif  // ORGLEDGER_TOOLS_MAIL_SMTP_H_
