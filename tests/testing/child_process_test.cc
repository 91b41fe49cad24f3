// ChildProcess's diagnostics for a stuck child: the stacks gdb takes of a
// live child process, and their summary in a failure message.
#include "tests/testing/child_process.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "tests/testing/test_dir.h"

namespace orgledger::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The shape of gdb 13's "thread apply all bt": frames with and without
// addresses, libc waits, template arguments, a library without symbols.
constexpr const char* kGdbOutput = R"(
Thread 3 (Thread 0x7f10 (LWP 12) "crash_child"):
#0  __futex_abstimed_wait_common64 (private=0, cancel=true) at ./nptl/futex-internal.c:57
#1  __futex_abstimed_wait_common (cancel=true) at ./nptl/futex-internal.c:87
#2  0x00007f1 in ___pthread_cond_wait (cond=0x1) at ./nptl/pthread_cond_wait.c:618
#3  0x00007f2 in rocksdb::WriteThread::BlockingAwaitState(rocksdb::WriteThread::Writer*, unsigned char) () from /lib/x86_64-linux-gnu/librocksdb.so.7.8
#4  0x00007f3 in rocksdb::WriteThread::AwaitState(rocksdb::WriteThread::Writer*, unsigned char, rocksdb::WriteThread::AdaptationContext*) () from /lib/x86_64-linux-gnu/librocksdb.so.7.8
#5  0x00007f4 in rocksdb::DBImpl::PipelinedWriteImpl(rocksdb::WriteOptions const&) () from /lib/x86_64-linux-gnu/librocksdb.so.7.8
#6  0x00007f5 in orgledger::eventstore::RocksDbHandle::Write (this=0x1) at eventstore/rocksdb_handle.cc:200
#7  0x00007f6 in start_thread (arg=<optimized out>) at ./nptl/pthread_create.c:442

Thread 2 (Thread 0x7f20 (LWP 11) "crash_child"):
#0  __futex_abstimed_wait_common64 (private=0, cancel=true) at ./nptl/futex-internal.c:57
#1  0x00007f1 in ___pthread_cond_wait (cond=0x2) at ./nptl/pthread_cond_wait.c:618
#2  0x00007f2 in rocksdb::WriteThread::BlockingAwaitState(rocksdb::WriteThread::Writer*, unsigned char) () from /lib/x86_64-linux-gnu/librocksdb.so.7.8
#3  0x00007f3 in rocksdb::WriteThread::AwaitState(rocksdb::WriteThread::Writer*, unsigned char, rocksdb::WriteThread::AdaptationContext*) () from /lib/x86_64-linux-gnu/librocksdb.so.7.8
#4  0x00007f4 in rocksdb::DBImpl::PipelinedWriteImpl(rocksdb::WriteOptions const&) () from /lib/x86_64-linux-gnu/librocksdb.so.7.8
#5  0x00007f5 in orgledger::eventstore::RocksDbHandle::Write (this=0x2) at eventstore/rocksdb_handle.cc:200

Thread 1 (Thread 0x7f30 (LWP 10) "crash_child"):
#0  0x00007f7 in std::future<orgledger::Result<int> >::get (this=0x3) at /usr/include/c++/12/future:806
#1  main (argc=6, argv=0x4) at tests/crash/crash_child.cc:120
)";

TEST(SummarizeStacks, GroupsThreadsByTheirInnermostFramesPastLibcWaits) {
  const std::string summary = SummarizeStacks(kGdbOutput, 3);
  EXPECT_EQ(summary,
            "2x rocksdb::WriteThread::BlockingAwaitState(rocksdb::WriteThread::"
            "Writer*, unsigned char) < "
            "rocksdb::WriteThread::AwaitState(rocksdb::WriteThread::Writer*, "
            "unsigned char, rocksdb::WriteThread::AdaptationContext*) < "
            "rocksdb::DBImpl::PipelinedWriteImpl(rocksdb::WriteOptions "
            "const&)\n"
            "1x std::future::get < main\n");
}

TEST(SummarizeStacks, IsEmptyWithoutThreads) {
  EXPECT_EQ(SummarizeStacks("ptrace: Operation not permitted.\n"), "");
}

// gdb attaches to a real child (scripts/bootstrap.sh installs it).
TEST(ChildProcessStacks, ShowsTheThreadsOfALiveChild) {
  TestDir dir;
  ChildProcess child("eventstore_child", {"append", dir.Sub("db"), "s"});
  ASSERT_TRUE(child.WaitReady(std::chrono::seconds(60)));
  const std::string stacks = child.Stacks();
  child.Kill();
  if (stacks.find("ptrace: Operation not permitted") != std::string::npos) {
    // A container without CAP_SYS_PTRACE under a seccomp or LSM policy
    // that forbids it: the crash matrix would print this same message.
    GTEST_SKIP() << "this machine forbids ptrace: " << stacks;
  }
  EXPECT_THAT(stacks, Not(HasSubstr("no stacks")));
  // The main thread, and the store's writer thread (idle or writing).
  EXPECT_THAT(stacks, HasSubstr(" main ("));
  EXPECT_THAT(stacks, HasSubstr("WriterLoop"));
  // The summary accounts for every thread once.
  std::size_t threads = 0;
  for (std::size_t at = stacks.find("\nThread "); at != std::string::npos;
       at = stacks.find("\nThread ", at + 1)) {
    ++threads;
  }
  const std::string summary = SummarizeStacks(stacks);
  std::size_t summarized = 0;
  std::istringstream lines(summary);
  std::string line;
  while (std::getline(lines, line)) {
    summarized += static_cast<std::size_t>(std::stoul(line));
  }
  EXPECT_GT(threads, 2u);
  EXPECT_EQ(summarized, threads) << summary;
}

}  // namespace
}  // namespace orgledger::testing
