#include "tools/serve/feed_session.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace orgledger::serve {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Everything runs on the socket's strand; the hub's callbacks are posted
// back to it. At most one read of the log and one write are in flight,
// and the next batch is read only once the last one was written, so a slow
// follower holds one batch in memory, not the log.
class FeedSession : public std::enable_shared_from_this<FeedSession> {
 public:
  FeedSession(tcp::socket socket, FeedHub* hub, FeedRequest request,
              FeedSessionOptions options, std::shared_ptr<spdlog::logger> log)
      : socket_(std::move(socket)),
        hub_(hub),
        request_(std::move(request)),
        options_(options),
        log_(std::move(log)),
        write_timer_(socket_.get_executor()),
        heartbeat_(socket_.get_executor()),
        first_(request_.next) {}

  void Start() {
    hub_->Joined();
    outbox_ =
        "HTTP/1.1 200 OK\r\nServer: orgledger\r\n"
        "Content-Type: text/event-stream\r\nCache-Control: no-store\r\n"
        "X-Accel-Buffering: no\r\nConnection: close\r\n\r\n";
    // How long a client waits before it reconnects (with Last-Event-ID).
    outbox_ += "retry: 1000\n\n";
    Flush();
    WatchForClose();
    Beat();
  }

 private:
  // The next batch, or a wait for one.
  void Fill() {
    if (closed_ || busy_ || writing_ || !outbox_.empty()) return;
    busy_ = true;
    auto self = shared_from_this();
    if (hub_->committed() < request_.next) {
      ticket_ = hub_->WhenCommitted(request_.next, [self](bool reached) {
        asio::post(self->socket_.get_executor(), [self, reached] {
          self->ticket_ = 0;
          self->busy_ = false;
          if (!reached) return self->Close("the server is stopping");
          self->Fill();
        });
      });
      return;
    }
    hub_->Read(request_.next, options_.batch,
               [self](Result<std::vector<eventstore::RecordedEvent>> records) {
                 asio::post(self->socket_.get_executor(),
                            [self, records = std::move(records)]() mutable {
                              self->busy_ = false;
                              self->OnRecords(std::move(records));
                            });
               });
  }

  void OnRecords(Result<std::vector<eventstore::RecordedEvent>> records) {
    if (closed_) return;
    Result<std::string> text =
        records.ok() ? FeedMessages(*records, request_.org, hub_->keys())
                     : Result<std::string>(records.status());
    if (!text.ok()) {
      // Said on the stream (a comment: no event), and the follower may
      // come back with its Last-Event-ID.
      log_->warn("events feed: reading position {}: {}", request_.next,
                 text.status().ToString());
      outbox_ = ": error reading the log at position " +
                std::to_string(request_.next) + ": " +
                std::string(CodeName(text.status().code())) + "\n\n";
      close_after_write_ = true;
      return Flush();
    }
    if (!records->empty()) request_.next = records->back().position + 1;
    sent_ += static_cast<std::uint64_t>(records->size());
    if (text->empty()) return Fill();  // none of the follower's organization
    outbox_ = std::move(*text);
    Flush();
  }

  void Flush() {
    if (closed_ || writing_ || outbox_.empty()) return;
    writing_ = true;
    auto data = std::make_shared<std::string>(std::move(outbox_));
    outbox_.clear();
    write_timer_.expires_after(options_.write_timeout);
    auto self = shared_from_this();
    write_timer_.async_wait([self](boost::system::error_code ec) {
      if (!ec) self->Close("a write did not finish within the write timeout");
    });
    asio::async_write(socket_, asio::buffer(*data),
                      [self, data](boost::system::error_code ec, std::size_t) {
                        self->writing_ = false;
                        self->write_timer_.cancel();
                        if (ec) return self->Close("the follower went away");
                        if (self->close_after_write_) {
                          return self->Close("an error reading the log");
                        }
                        self->Flush();
                        self->Fill();
                      });
  }

  // A comment line while nothing else is written keeps proxies and the
  // follower's own timeouts from closing an idle stream.
  void Beat() {
    heartbeat_.expires_after(options_.heartbeat);
    heartbeat_.async_wait(
        [self = shared_from_this()](boost::system::error_code ec) {
          if (ec || self->closed_) return;
          if (!self->writing_ && self->outbox_.empty()) {
            self->outbox_ = ":\n\n";
            self->Flush();
          }
          self->Beat();
        });
  }

  // A follower sends nothing after its request: a read that returns is
  // its close (or bytes it may not send), either way the end.
  void WatchForClose() {
    socket_.async_read_some(
        asio::buffer(scratch_),
        [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
          self->Close(ec ? "the follower closed the stream"
                         : "the follower sent bytes after its request");
        });
  }

  void Close(const char* why) {
    if (closed_) return;
    closed_ = true;
    hub_->Left();
    if (ticket_ != 0) hub_->Cancel(ticket_);
    boost::system::error_code ignored;
    write_timer_.cancel();
    heartbeat_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    log_->info("events feed ended: from={} org={} sent={} next={}: {}", first_,
               request_.org.empty() ? "-" : request_.org, sent_, request_.next,
               why);
  }

  tcp::socket socket_;
  FeedHub* const hub_;
  FeedRequest request_;
  const FeedSessionOptions options_;
  const std::shared_ptr<spdlog::logger> log_;
  asio::steady_timer write_timer_;
  asio::steady_timer heartbeat_;
  const eventstore::Position first_;
  std::string outbox_;
  bool writing_ = false;
  bool busy_ = false;  // a read of the log, or a wait for it, is pending
  bool closed_ = false;
  bool close_after_write_ = false;
  FeedHub::Ticket ticket_ = 0;
  std::uint64_t sent_ = 0;  // records read (the follower's org or not)
  char scratch_[256];
};

}  // namespace

void StartFeed(tcp::socket socket, FeedHub* hub, FeedRequest request,
               FeedSessionOptions options,
               std::shared_ptr<spdlog::logger> log) {
  std::make_shared<FeedSession>(std::move(socket), hub, std::move(request),
                                options, std::move(log))
      ->Start();
}

}  // namespace orgledger::serve
