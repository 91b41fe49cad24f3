#include "tools/serve/feed.h"

#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <optional>

#include "projections/projection.h"
#include "tools/wire/event_json.h"

namespace orgledger::serve {
namespace {

// `text` with %XX decoded ('+' is a space, as forms send it); nullopt when
// an escape is cut short or not hex.
std::optional<std::string> PercentDecoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] != '%') {
      out.push_back(text[i]);
    } else {
      unsigned value = 0;
      if (i + 2 >= text.size()) return std::nullopt;
      auto [end, ec] =
          std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
      if (ec != std::errc() || end != text.data() + i + 3) return std::nullopt;
      out.push_back(static_cast<char>(value));
      i += 2;
    }
  }
  return out;
}

std::optional<eventstore::Position> PositionOf(std::string_view text) {
  eventstore::Position p = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), p);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return p;
}

}  // namespace

Result<FeedRequest> ParseFeedRequest(std::string_view target,
                                     std::string_view last_event_id) {
  FeedRequest request;
  const std::size_t question = target.find('?');
  std::string_view query =
      question == std::string_view::npos ? "" : target.substr(question + 1);
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    const std::string_view name = pair.substr(0, eq);
    std::optional<std::string> value =
        PercentDecoded(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!value.has_value()) {
      return Status(Code::kInvalidRequest,
                    "/v1/events: a malformed %-escape in " + std::string(name));
    }
    if (name == "from") {
      std::optional<eventstore::Position> from = PositionOf(*value);
      if (!from.has_value() || *from == 0) {
        return Status(Code::kInvalidRequest,
                      "/v1/events: from must be a log position (1 or more), "
                      "not \"" +
                          *value + "\"");
      }
      request.next = *from;
    } else if (name == "org") {
      if (value->empty()) {
        return Status(Code::kInvalidRequest,
                      "/v1/events: org must name an organization");
      }
      request.org = std::move(*value);
    } else {
      return Status(Code::kInvalidRequest,
                    "/v1/events: unknown parameter \"" + std::string(name) +
                        "\" (the parameters here: from, org)");
    }
  }
  if (!last_event_id.empty()) {
    std::optional<eventstore::Position> last = PositionOf(last_event_id);
    if (!last.has_value()) {
      return Status(Code::kInvalidRequest,
                    "/v1/events: Last-Event-ID must be the id of a message "
                    "(a log position), not \"" +
                        std::string(last_event_id) + "\"");
    }
    request.next = *last + 1;
  }
  return request;
}

Result<std::string> FeedMessages(
    const std::vector<eventstore::RecordedEvent>& records,
    const std::string& org, privacy::PersonKeys& keys) {
  std::string out;
  for (const eventstore::RecordedEvent& r : records) {
    if (!org.empty() && r.stream != org) continue;
    Result<projections::ProjectedEvent> e =
        projections::DecodeProjected(r, keys);
    if (!e.ok()) return e.status();
    out += "id: ";
    out += std::to_string(r.position);
    out += "\ndata: ";
    // One line: JSON strings escape every control character.
    out += boost::json::serialize(wire::EventToJson(*e));
    out += "\n\n";
  }
  return out;
}

FeedHub::FeedHub(eventstore::EventStore* store)
    : store_(store), waiter_([this] { WaitLoop(); }) {}

FeedHub::~FeedHub() { Stop(); }

void FeedHub::Read(eventstore::Position from, std::size_t max, ReadDone done) {
  boost::asio::post(readers_, [this, from, max, done = std::move(done)] {
    done(store_->ReadAll(from, max));
  });
}

FeedHub::Ticket FeedHub::WhenCommitted(eventstore::Position position,
                                       std::function<void(bool)> ready) {
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_ || store_->CommittedPosition() >= position) {
    // Reached already (or never will be): no wait for the hub's thread.
    const bool reached = !stopping_;
    lock.unlock();
    ready(reached);
    return 0;
  }
  const Ticket ticket = next_ticket_++;
  waiting_.emplace(ticket, Waiter{position, std::move(ready)});
  lock.unlock();
  cv_.notify_all();
  return ticket;
}

void FeedHub::Cancel(Ticket ticket) {
  std::lock_guard<std::mutex> lock(mu_);
  waiting_.erase(ticket);
}

std::size_t FeedHub::idle() const {
  std::lock_guard<std::mutex> lock(mu_);
  return waiting_.size();
}

void FeedHub::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  waiter_.join();
  readers_.join();
}

void FeedHub::WaitLoop() {
  for (;;) {
    std::vector<std::function<void(bool)>> wake;
    eventstore::Position lowest = 0;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !waiting_.empty(); });
      const bool stop = stopping_;
      const eventstore::Position committed = store_->CommittedPosition();
      for (auto it = waiting_.begin(); it != waiting_.end();) {
        if (stop || it->second.position <= committed) {
          wake.push_back(std::move(it->second.ready));
          it = waiting_.erase(it);
        } else {
          if (lowest == 0 || it->second.position < lowest) {
            lowest = it->second.position;
          }
          ++it;
        }
      }
      if (stop) {
        lock.unlock();
        for (auto& f : wake) f(false);
        return;
      }
    }
    for (auto& f : wake) f(true);
    // A bounded wait, so that new followers and Stop() are seen soon.
    if (wake.empty() && lowest != 0) {
      store_->WaitForPosition(lowest, std::chrono::milliseconds(200));
    }
  }
}

}  // namespace orgledger::serve
