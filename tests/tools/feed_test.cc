// The events feed (GET /v1/events, SPEC §9) of a real `orgledger serve`
// over a socket, read as a host in any language would: Server-Sent Events
// parsed from the bytes. Catch-up then live, no gap under concurrent
// writers, Last-Event-ID, one organization's events, refusals, the
// heartbeat, idle followers without a thread each, never a token; and
// `orgledger replay --follow`.
#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <fstream>
#include <optional>
#include <thread>

#include "tests/testing/child_process.h"
#include "tests/testing/test_dir.h"
#include "tests/tools/serve_fixture.h"

namespace orgledger::testing {
namespace {

using namespace std::chrono_literals;

// One message of the stream: its id and data (comments counted apart).
struct Message {
  std::uint64_t id = 0;
  json::value data;
};

// A follower: one GET /v1/events on a socket, its answer parsed as SSE.
class Follower {
 public:
  Follower(int port, const std::string& target,
           const std::string& extra_headers = "",
           const std::string& auth = std::string("Bearer ") + kSecret)
      : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                  static_cast<unsigned short>(port)));
    std::string request = "GET " + target +
                          " HTTP/1.1\r\nHost: localhost\r\nAccept: "
                          "text/event-stream\r\n" +
                          extra_headers;
    if (!auth.empty()) request += "Authorization: " + auth + "\r\n";
    request += "\r\n";
    asio::write(socket_, asio::buffer(request));
  }

  // The status line's code and the head, once it arrived (0: closed).
  int Status(std::string* head = nullptr) {
    while (head_end_ == std::string::npos) {
      if (!ReadSome(5s)) return 0;
      head_end_ = in_.find("\r\n\r\n");
    }
    if (head != nullptr) *head = in_.substr(0, head_end_);
    return std::atoi(in_.c_str() + 9);
  }
  // After a refusal: the JSON body (Content-Length bytes).
  json::value Body() {
    Status();
    const std::size_t at = in_.find("Content-Length: ");
    const std::size_t length = std::stoul(in_.substr(at + 16));
    while (in_.size() < head_end_ + 4 + length && ReadSome(5s)) {
    }
    return json::parse(in_.substr(head_end_ + 4, length));
  }

  // The next message within `timeout`; comment lines are counted in
  // comments() and skipped.
  std::optional<Message> Next(std::chrono::milliseconds timeout = 10s) {
    if (Status() != 200) return std::nullopt;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const std::size_t end = in_.find("\n\n", at());
      if (end != std::string::npos) {
        std::string block = in_.substr(at(), end - at());
        consumed_ = end + 2 - (head_end_ + 4);
        Message m;
        bool any = false;
        std::size_t from = 0;
        while (from <= block.size()) {
          std::size_t nl = block.find('\n', from);
          if (nl == std::string::npos) nl = block.size();
          const std::string line = block.substr(from, nl - from);
          from = nl + 1;
          if (line.starts_with(":")) ++comments_;
          if (line.starts_with("id: ")) {
            m.id = std::stoull(line.substr(4));
            any = true;
          }
          if (line.starts_with("data: ")) {
            m.data = json::parse(line.substr(6));
            raw_ += line + "\n";
          }
        }
        if (any) return m;
        continue;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !ReadSome(left)) return std::nullopt;
    }
  }

  int comments() const { return comments_; }
  // Every data line received.
  const std::string& raw() const { return raw_; }
  // Whether the server closed the stream (within `timeout`).
  bool Closed(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!ReadSome(100ms) && closed_) return true;
    }
    return closed_;
  }

 private:
  std::size_t at() const { return head_end_ + 4 + consumed_; }
  bool ReadSome(std::chrono::milliseconds timeout) {
    pollfd fd{socket_.native_handle(), POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char buf[65536];
    boost::system::error_code ec;
    const std::size_t n = socket_.read_some(asio::buffer(buf), ec);
    if (ec || n == 0) {
      closed_ = true;
      return false;
    }
    in_.append(buf, n);
    return true;
  }

  asio::io_context io_;
  tcp::socket socket_;
  std::string in_;
  std::size_t head_end_ = std::string::npos;
  std::size_t consumed_ = 0;
  int comments_ = 0;
  bool closed_ = false;
  std::string raw_;
};

class Feed : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<Server>(
        dir_, std::vector<std::string>{"--feed-heartbeat", "0.3"});
    client_ = std::make_unique<Client>(server_->port());
  }
  // A command on `org` by its admin; its position.
  std::uint64_t Run(const std::string& op, json::object fields = {},
                    const std::string& org = "acme",
                    json::value* answer = nullptr) {
    Reply r = client_->Post("/v1/commands",
                            Command(op, "u-" + org, std::move(fields), org));
    EXPECT_EQ(r.status, 200) << r.body;
    json::value v = json::parse(r.body);
    if (answer != nullptr) *answer = v;
    return v.at("position").to_number<std::uint64_t>();
  }

  TestDir dir_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<Client> client_;
};

TEST_F(Feed, CatchesUpThenFollowsLiveWithTheReplayJson) {
  Run("create_organization", {{"edition", "enterprise"}});
  Run("create_team", {{"team", "core"}, {"name", "Core"}});
  Follower f(server_->port(), "/v1/events?from=1");
  std::string head;
  ASSERT_EQ(f.Status(&head), 200);
  EXPECT_NE(head.find("Content-Type: text/event-stream"), std::string::npos)
      << head;
  auto first = f.Next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->id, 1u);
  EXPECT_EQ(first->data.at("type").as_string(), "OrganizationCreated");
  EXPECT_EQ(first->data.at("position").to_number<std::uint64_t>(), 1u);
  EXPECT_EQ(first->data.at("org").as_string(), "acme");
  auto second = f.Next();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->id, 2u);
  // Live: appended after the follower caught up.
  const std::uint64_t p = Run("create_team", {{"team", "ops"}, {"name", "O"}});
  auto live = f.Next();
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->id, p);
  EXPECT_EQ(live->data.at("type").as_string(), "TeamCreated");
}

TEST_F(Feed, NeverSkipsUnderConcurrentWriters) {
  constexpr int kWriters = 4, kEach = 60;
  for (int w = 0; w < kWriters; ++w) {
    Run("create_organization", {{"edition", "enterprise"}},
        "org" + std::to_string(w));
  }
  Follower f(server_->port(), "/v1/events?from=1");
  std::vector<std::thread> writers;
  std::atomic<std::uint64_t> last{0};
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      Client c(server_->port());
      const std::string org = "org" + std::to_string(w);
      for (int i = 0; i < kEach; ++i) {
        Reply r = c.Post(
            "/v1/commands",
            Command("create_team", "u-" + org,
                    {{"team", "t" + std::to_string(i)}, {"name", "T"}}, org));
        EXPECT_EQ(r.status, 200) << r.body;
        const auto p =
            json::parse(r.body).at("position").to_number<std::uint64_t>();
        for (auto seen = last.load();
             p > seen && !last.compare_exchange_weak(seen, p);) {
        }
      }
    });
  }
  // Read while they write: every position once, in order.
  std::uint64_t want = 1;
  for (; want <= kWriters * (1 + kEach); ++want) {
    auto m = f.Next();
    ASSERT_TRUE(m.has_value()) << "nothing after position " << want - 1;
    ASSERT_EQ(m->id, want) << "a gap or a repeat";
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(want - 1, last.load());
  EXPECT_FALSE(f.Next(300ms).has_value());
}

TEST_F(Feed, LastEventIdResumesAfterItAndOrgFilters) {
  Run("create_organization", {{"edition", "enterprise"}});
  Run("create_organization", {{"edition", "enterprise"}}, "other");
  Run("create_team", {{"team", "a"}, {"name", "A"}});
  Run("create_team", {{"team", "b"}, {"name", "B"}}, "other");
  Run("create_team", {{"team", "c"}, {"name", "C"}});
  {
    // It wins over from (inclusive), which would start at 1.
    Follower f(server_->port(), "/v1/events?from=1", "Last-Event-ID: 3\r\n");
    auto m = f.Next();
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->id, 4u);
  }
  {
    Follower f(server_->port(), "/v1/events?from=2&org=acme");
    auto m = f.Next();
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->id, 3u);
    m = f.Next();
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->id, 5u);
    EXPECT_EQ(m->data.at("org").as_string(), "acme");
    Run("create_team", {{"team", "d"}, {"name", "D"}}, "other");
    const std::uint64_t mine =
        Run("create_team", {{"team", "e"}, {"name", "E"}});
    m = f.Next();
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->id, mine);
  }
}

TEST_F(Feed, RefusesWithTheSpecsCodes) {
  auto code = [](Follower& f) {
    return std::string(f.Body().at("error").at("code").as_string());
  };
  {
    Follower f(server_->port(), "/v1/events?from=1", "", "");
    EXPECT_EQ(f.Status(), 401);
    EXPECT_EQ(code(f), "unauthenticated");
  }
  {
    Follower f(server_->port(), "/v1/events?from=1", "",
               std::string("Bearer ") + kAdminSecret);
    EXPECT_EQ(f.Status(), 401) << "the operator's secret is not the host's";
  }
  {
    Follower f(server_->port(), "/v1/events?from=abc");
    EXPECT_EQ(f.Status(), 400);
    json::value body = f.Body();
    EXPECT_EQ(body.at("error").at("code").as_string(), "invalid_request");
    EXPECT_NE(std::string(body.at("error").at("message").as_string())
                  .find("from must be a log position"),
              std::string::npos);
  }
  {
    Follower f(server_->port(), "/v1/events?since=1");
    EXPECT_EQ(f.Status(), 400);
    EXPECT_NE(std::string(f.Body().at("error").at("message").as_string())
                  .find("the parameters here: from, org"),
              std::string::npos);
  }
  {
    Follower f(server_->port(), "/v1/events", "Last-Event-ID: x\r\n");
    EXPECT_EQ(f.Status(), 400);
  }
  Reply post = client_->Post("/v1/events", "{}");
  EXPECT_EQ(post.status, 405);
}

TEST_F(Feed, IdleFollowersGetHeartbeatsAndNoThreadEach) {
  Run("create_organization", {{"edition", "enterprise"}});
  auto threads = [&] {
    std::ifstream status("/proc/" + std::to_string(server_->process().pid()) +
                         "/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.starts_with("Threads:")) return std::stoi(line.substr(8));
    }
    return -1;
  };
  Follower first(server_->port(), "/v1/events?from=1");
  ASSERT_TRUE(first.Next().has_value());
  const int before = threads();
  std::vector<std::unique_ptr<Follower>> idle;
  for (int i = 0; i < 200; ++i) {
    idle.push_back(
        std::make_unique<Follower>(server_->port(), "/v1/events?from=2"));
  }
  for (auto& f : idle) ASSERT_EQ(f->Status(), 200);
  EXPECT_EQ(threads(), before) << "threads grew with idle followers";
  Reply metrics = client_->Get("/metrics", kAdminBearer);
  EXPECT_NE(metrics.body.find("orgledger_feed_followers 201"),
            std::string::npos)
      << metrics.body;
  // A heartbeat (a comment line) comes while nothing is appended.
  EXPECT_FALSE(first.Next(1s).has_value());
  EXPECT_GE(first.comments(), 1);
  // All of them wake for the next record.
  const std::uint64_t p = Run("create_team", {{"team", "x"}, {"name", "X"}});
  for (auto& f : idle) {
    auto m = f->Next();
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->id, p);
  }
}

TEST_F(Feed, NeverCarriesALinkTokenOrItsHash) {
  Run("create_organization", {{"edition", "enterprise"}});
  json::value answer;
  Run("create_billing_manager_invite_link", {}, "acme", &answer);
  const std::string token(answer.at("token").as_string());
  Follower f(server_->port(), "/v1/events?from=1");
  ASSERT_TRUE(f.Next().has_value());
  auto link = f.Next();
  ASSERT_TRUE(link.has_value());
  EXPECT_EQ(link->data.at("type").as_string(), "InviteSent");
  EXPECT_EQ(link->data.at("data").at("channel").as_string(), "link") << f.raw();
  EXPECT_EQ(f.raw().find(token), std::string::npos) << f.raw();
  EXPECT_EQ(f.raw().find("token"), std::string::npos) << f.raw();
}

TEST_F(Feed, ReplayFollowPrintsWhatIsAppendedNext) {
  Run("create_organization", {{"edition", "enterprise"}});
  ChildProcess replay(
      "orgledger",
      {"replay", "--data", dir_.Sub("db"), "--format", "json", "--follow"},
      dir_.Sub("replay.stderr"));
  ASSERT_TRUE(replay.WaitFor("OrganizationCreated", 10s));
  const std::uint64_t p = Run("create_team", {{"team", "x"}, {"name", "X"}});
  ASSERT_TRUE(replay.WaitFor("\"TeamCreated\"", 10s)) << replay.output();
  EXPECT_NE(replay.output().find("\"position\":" + std::to_string(p)),
            std::string::npos)
      << replay.output();
  replay.Kill();
}

}  // namespace
}  // namespace orgledger::testing
