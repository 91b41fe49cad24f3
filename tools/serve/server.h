// `orgledger serve`: the reference host server (SPEC §6) on Boost.Beast,
// HTTP/1.1 with keep-alive. Sockets, limits, timeouts and shutdown live
// here; requests are answered by Handler (handler.h).
#ifndef ORGLEDGER_TOOLS_SERVE_SERVER_H_
#define ORGLEDGER_TOOLS_SERVE_SERVER_H_

#include <chrono>
#include <cstddef>
#include <string>

#include "tools/database.h"

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
};

// Runs until SIGTERM or SIGINT, then stops accepting, lets requests in
// flight finish and closes the database. Returns the exit code.
int RunServe(const ServeOptions& options);

}  // namespace orgledger::serve

#endif  // ORGLEDGER_TOOLS_SERVE_SERVER_H_
