// Real processes: a child appending with sync durability is killed with
// SIGKILL at random moments; after reopening, every acknowledged append is
// present exactly once, in order, and the log verifies. And a reader in
// this process follows a live writer in another (RocksDB secondary).
//
// ORGLEDGER_CRASH_CYCLES sets the number of kill cycles (default 50).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "tests/eventstore/store_factories.h"

namespace orgledger::eventstore {
namespace {

std::string ChildBinary() {
  return (std::filesystem::read_symlink("/proc/self/exe").parent_path() /
          "eventstore_child")
      .string();
}

// A child process whose stdout is a pipe to us.
class Child {
 public:
  Child(const std::string& dir, const std::string& tag) {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      ::close(fds[0]);
      ::close(fds[1]);
      const std::string bin = ChildBinary();
      ::execl(bin.c_str(), bin.c_str(), "append", dir.c_str(), tag.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    fd_ = fds[0];
  }
  ~Child() {
    Kill();
    if (fd_ >= 0) ::close(fd_);
  }

  // Reads until a whole line "ready" arrived; false after `timeout`.
  bool WaitReady(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (buffer_.find("ready\n") == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      if (!ReadSome()) return false;
    }
    return true;
  }

  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  // After Kill(): everything the child wrote.
  std::string DrainAll() {
    while (ReadSome()) {
    }
    return buffer_;
  }

 private:
  bool ReadSome() {
    char buf[65536];
    ssize_t n = ::read(fd_, buf, sizeof(buf));
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buffer_;
};

struct Ack {
  Position position;
  std::string stream;
  Version version;
  std::string payload;
};

std::vector<Ack> ParseAcks(const std::string& out) {
  std::vector<Ack> acks;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (line == "ready" || line.empty()) continue;
    std::istringstream l(line);
    Ack a;
    l >> a.position >> a.stream >> a.version >> a.payload;
    acks.push_back(a);
  }
  return acks;
}

int Cycles() {
  const char* env = std::getenv("ORGLEDGER_CRASH_CYCLES");
  return env != nullptr ? std::atoi(env) : 50;
}

TEST(ProcessCrash, SigkillKeepsEveryAcknowledgedAppend) {
  std::mt19937 rng(testing::TestSeed());
  testing::TestDir dir;
  const std::string db = dir.Sub("db");
  std::vector<Ack> acked;
  const int cycles = Cycles();
  for (int cycle = 0; cycle < cycles; ++cycle) {
    Child child(db, "k" + std::to_string(cycle));
    ASSERT_TRUE(child.WaitReady(std::chrono::seconds(20))) << "cycle " << cycle;
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 40));
    child.Kill();
    std::vector<Ack> acks = ParseAcks(child.DrainAll());
    acked.insert(acked.end(), acks.begin(), acks.end());

    auto store = OpenRocksDbEventStore(StoreOptions(), db);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto all = (*store)->ReadAll(1, 100000000);
    ASSERT_TRUE(all.ok());
    std::map<std::string, int> count;
    for (const RecordedEvent& e : *all) count[e.payload] += 1;
    for (const Ack& a : acked) {
      ASSERT_LE(a.position, all->size())
          << "acked position lost, cycle " << cycle;
      const RecordedEvent& e = (*all)[a.position - 1];
      ASSERT_EQ(e.payload, a.payload) << "cycle " << cycle;
      ASSERT_EQ(e.stream, a.stream);
      ASSERT_EQ(e.version, a.version);
      ASSERT_EQ(count[a.payload], 1) << a.payload << " not exactly once";
    }
    auto report = (*store)->Verify(1, 0);
    ASSERT_TRUE(report.ok());
    ASSERT_TRUE(report->ok) << "cycle " << cycle << ": " << report->problem;
  }
  std::printf("[crash] %d SIGKILL cycles, %zu acknowledged appends checked\n",
              cycles, acked.size());
  EXPECT_GT(acked.size(), 0u);
}

TEST(ProcessReadOnly, ReaderFollowsALiveWriterInAnotherProcess) {
  testing::TestDir dir;
  const std::string db = dir.Sub("db");
  Child writer(db, "live");
  ASSERT_TRUE(writer.WaitReady(std::chrono::seconds(20)));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto reader = OpenRocksDbEventStoreReadOnly(StoreOptions(), db, dir.Sub("r"));
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  Position seen = 0;
  Position first_committed = (*reader)->CommittedPosition();
  for (int i = 0; i < 20; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    ASSERT_TRUE((*reader)->Refresh().ok());
    auto batch = (*reader)->ReadAll(seen + 1, 1000000);
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    for (const RecordedEvent& e : *batch) {
      ASSERT_EQ(e.position, seen + 1) << "gap seen by the reader";
      seen = e.position;
    }
    auto report = (*reader)->Verify(1, 0);
    ASSERT_TRUE(report.ok());
    ASSERT_TRUE(report->ok) << report->problem;
  }
  writer.Kill();
  EXPECT_GT(seen, first_committed) << "the reader did not follow the writer";
}

}  // namespace
}  // namespace orgledger::eventstore
