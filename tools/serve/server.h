// `orgledger serve`: the reference host server (SPEC §6) on Boost.Beast,
// HTTP/1.1 with keep-alive. Sockets, limits, timeouts and shutdown live
// here; requests are answered by Handler (handler.h).
#ifndef ORGLEDGER_TOOLS_SERVE_SERVER_H_
#define ORGLEDGER_TOOLS_SERVE_SERVER_H_

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "tools/database.h"
#include "tools/mail/smtp.h"

namespace orgledger::serve {

struct ServeOptions {
  tools::Where where;
  // host:port; loopback unless told otherwise.
  std::string listen = "127.0.0.1:8080";
  // The host's bearer secret; created with a random secret (printed once)
  // when the file does not exist, once the address and the database are
  // known good. An existing one must be readable by its owner only.
  std::string secret_file;
  // The operator's bearer secret for /v1/admin/* and /metrics, created the
  // same way; empty: those endpoints are off (/metrics unless public).
  std::string admin_secret_file;
  bool metrics_public = false;
  // Backups are written under it by name (mode 0700); empty: off.
  std::string backup_dir;
  std::string editions_file;  // empty: the default catalog
  std::string durability = "sync";
  // Request bodies over this are answered 413 too_large. Default: 1 MiB.
  std::size_t max_body_bytes = 1 << 20;
  // Request headers over this are answered 413 too_large. Default: 16 KiB.
  std::size_t max_header_bytes = 16 << 10;
  // A request must arrive whole within this, and an idle keep-alive
  // connection is closed after it. Default: 10 s.
  std::chrono::milliseconds timeout{10000};
  // A connection older than this closes after the request it is on (its
  // answer says Connection: close), so every connection ends: at the
  // latest age + two timeouts. Default: 5 min.
  std::chrono::milliseconds max_connection_age{300000};
  // I/O threads. Default: 2.
  int threads = 2;
  // The events feed writes a comment line after this long without a
  // message. Default: 15 s.
  std::chrono::milliseconds feed_heartbeat{15000};

  // The base URL people reach the pages at (https://billing.example.com):
  // invitation emails and link creations carry their pages' URLs.
  std::string public_url;
  // Invitation emails over SMTP (SPEC §9): smtp.url empty means none. The
  // password is read from smtp_password_file (its owner's only).
  mail::SmtpOptions smtp;
  std::string smtp_password_file;
  // The first time delivery starts on a database with invitations, only
  // those still pending and sent within this long are emailed.
  std::chrono::microseconds mail_backlog{std::chrono::hours(24 * 7)};
  // The first pause before an email is tried again (doubled each time,
  // up to 5 min). Default: 1 s.
  std::chrono::milliseconds mail_first_retry{1000};
  // Without --smtp: write each invitation email to the log instead (a
  // development mail sink: nothing is sent).
  bool dev_mail_log = false;

  // The people's pages (pages.h). Sessions are signed with the key in
  // this file (created when missing); empty: a key of this process only.
  std::string session_key_file;
  std::chrono::seconds session_lifetime{std::chrono::hours(12)};
  // A sign-in form for development, on a loopback address only.
  bool dev_login = false;
  // An authenticating proxy's identity headers, from these addresses.
  std::string identity_header_prefix;
  std::vector<std::string> trusted_proxies;
};

// Runs until SIGTERM or SIGINT, then stops accepting, lets requests in
// flight finish and closes the database. Returns the exit code.
int RunServe(const ServeOptions& options);

}  // namespace orgledger::serve

#endif  // ORGLEDGER_TOOLS_SERVE_SERVER_H_
