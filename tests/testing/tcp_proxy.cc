#include "tests/testing/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <thread>

namespace orgledger::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  return addr;
}

bool SendAll(int fd, const char* data, ssize_t n) {
  while (n > 0) {
    const ssize_t w =
        ::send(fd, data, static_cast<std::size_t>(n), MSG_NOSIGNAL);
    if (w <= 0) return false;
    data += w;
    n -= w;
  }
  return true;
}

}  // namespace

TcpProxy::TcpProxy(int target) : target_(target) {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = Loopback(0);
  ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::listen(listener_, 64);
  socklen_t len = sizeof addr;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

TcpProxy::~TcpProxy() {
  stop_.store(true);
  ::shutdown(listener_, SHUT_RDWR);
  acceptor_.join();
  ::close(listener_);
  for (std::thread& t : pumps_) t.join();
}

void TcpProxy::CutAfter(std::string marker) {
  std::lock_guard<std::mutex> lock(mu_);
  marker_ = std::move(marker);
}

void TcpProxy::AcceptLoop() {
  while (!stop_.load()) {
    if (partitioned_.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    pollfd fd{listener_, POLLIN, 0};
    if (::poll(&fd, 1, 50) <= 0) continue;
    const int client = ::accept(listener_, nullptr, nullptr);
    if (client < 0) continue;
    const int server = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr = Loopback(target_);
    if (::connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) !=
        0) {
      ::close(client);
      ::close(server);
      continue;
    }
    pumps_.emplace_back([this, client, server] { Pump(client, server); });
  }
}

void TcpProxy::Pump(int client, int server) {
  using Clock = std::chrono::steady_clock;
  char buf[65536];
  pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
  std::optional<Clock::time_point> cut_at;  // the marker went through
  while (!stop_.load()) {
    if (cut_at.has_value() &&
        Clock::now() - *cut_at > std::chrono::milliseconds(200)) {
      break;
    }
    if (partitioned_.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    if (::poll(fds, 2, 50) <= 0) continue;
    bool done = false;
    for (int i = 0; i < 2 && !done; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t n = ::recv(fds[i].fd, buf, sizeof buf, 0);
      if (n <= 0) {
        done = true;
        break;
      }
      if (i == 1 && cut_at.has_value()) continue;  // the answer is lost
      const int to = i == 0 ? server : client;
      if (!SendAll(to, buf, n)) {
        done = true;
        break;
      }
      if (i == 0 && !cut_at.has_value()) {
        std::lock_guard<std::mutex> lock(mu_);
        if (!marker_.empty() &&
            std::string_view(buf, static_cast<std::size_t>(n)).find(marker_) !=
                std::string_view::npos) {
          marker_.clear();
          cut_at = Clock::now();
        }
      }
    }
    if (done) break;
  }
  if (cut_at.has_value()) cut_.store(true);  // before the client sees it
  ::close(client);
  if (cut_at.has_value()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  ::close(server);
}

}  // namespace orgledger::testing
