// TcpProxy: forwards one loopback port to another, and can cut a
// connection at a chosen moment: right after forwarding the client's bytes
// that contain a marker, before any answer comes back. For tests of a lost
// answer (a commit sent, its result never received), or hold every byte
// for a while (a partition).
#ifndef ORGLEDGER_TESTS_TESTING_TCP_PROXY_H_
#define ORGLEDGER_TESTS_TESTING_TCP_PROXY_H_

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace orgledger::testing {

class TcpProxy {
 public:
  // Listens on a free 127.0.0.1 port, forwarding to 127.0.0.1:`target`.
  explicit TcpProxy(int target);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }
  // The next client bytes containing `marker` are forwarded, and so is
  // whatever the client sends in the next 200 ms (the rest of a pipeline
  // the marker's write began), while nothing more goes back to it; then
  // the client's side is closed, and the server's 300 ms later, so the
  // server has received and run everything sent (once).
  void CutAfter(std::string marker);
  // Whether an armed cut happened.
  bool cut() const { return cut_.load(); }
  // A network partition: while on, no byte passes either way on any
  // connection (each side's writes wait in the kernel's buffers, as
  // packets a dead link drops would be retransmitted) and new connections
  // are not accepted (the kernel's backlog holds them). Off: everything
  // held goes through, as when the link comes back.
  void Partition(bool on) { partitioned_.store(on); }

 private:
  void AcceptLoop();
  void Pump(int client, int server);

  const int target_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> cut_{false};
  std::atomic<bool> partitioned_{false};
  std::mutex mu_;
  std::string marker_;
  std::vector<std::thread> pumps_;
  std::thread acceptor_;
};

}  // namespace orgledger::testing

#endif  // ORGLEDGER_TESTS_TESTING_TCP_PROXY_H_
