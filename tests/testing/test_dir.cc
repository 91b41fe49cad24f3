#include "tests/testing/test_dir.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "eventstore/fs_info.h"

namespace orgledger::testing {

TestDir::TestDir() {
  static std::atomic<int> counter{0};
  std::string root = ORGLEDGER_TEST_TMPDIR;
  if (const char* env = std::getenv("ORGLEDGER_TEST_TMPDIR")) root = env;
  std::filesystem::create_directories(root);
  static bool printed = false;
  if (!printed) {
    printed = true;
    std::printf("[test dir] %s on %s\n", root.c_str(),
                eventstore::FileSystemTypeName(root).c_str());
  }
  const ::testing::TestInfo* info =
      ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info != nullptr ? info->name() : "test";
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  path_ = root + "/" + name + "-" + std::to_string(::getpid()) + "-" +
          std::to_string(counter++);
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TestDir::~TestDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

unsigned TestSeed() {
  unsigned seed;
  if (const char* env = std::getenv("ORGLEDGER_SEED")) {
    seed = static_cast<unsigned>(std::strtoul(env, nullptr, 10));
  } else {
    seed = std::random_device{}();
  }
  std::printf("[seed] ORGLEDGER_SEED=%u\n", seed);
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  return seed;
}

}  // namespace orgledger::testing
