// One follower of the events feed on its socket, after the server accepted
// its request: writes the response's head, then the log's records as
// Server-Sent Events, catching up in batches and then following, with a
// comment line as a heartbeat while idle. Exempt from the server's
// request deadline and connection age; instead every write must finish
// within a timeout (a follower that stops reading is closed). Ends when
// the follower closes, a write times out, or the hub stops.
#ifndef ORGLEDGER_TOOLS_SERVE_FEED_SESSION_H_
#define ORGLEDGER_TOOLS_SERVE_FEED_SESSION_H_

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>

#include "tools/serve/feed.h"

namespace spdlog {
class logger;
}  // namespace spdlog

namespace orgledger::serve {

struct FeedSessionOptions {
  std::chrono::milliseconds write_timeout{10000};
  std::chrono::milliseconds heartbeat{15000};
  // Records read (and written) at a time while catching up.
  std::size_t batch = 512;
};

// Starts following on `socket` (whose executor is the connection's strand).
void StartFeed(boost::asio::ip::tcp::socket socket, FeedHub* hub,
               FeedRequest request, FeedSessionOptions options,
               std::shared_ptr<spdlog::logger> log);

}  // namespace orgledger::serve

#endif  // ORGLEDGER_TOOLS_SERVE_FEED_SESSION_H_
