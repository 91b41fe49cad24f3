// TestDir: a fresh directory on disk for one test, removed afterwards.
// It lives under the build tree (ORGLEDGER_TEST_TMPDIR), not /tmp, because
// /tmp is often tmpfs where fsync is free; the file system type is printed
// once per process so that a durability result can be read for what it is.
#ifndef ORGLEDGER_TESTS_TESTING_TEST_DIR_H_
#define ORGLEDGER_TESTS_TESTING_TEST_DIR_H_

#include <string>

namespace orgledger::testing {

class TestDir {
 public:
  TestDir();
  TestDir(const TestDir&) = delete;
  TestDir& operator=(const TestDir&) = delete;
  ~TestDir();

  const std::string& path() const { return path_; }
  // path()/name (not created).
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The seed of a randomized test: $ORGLEDGER_SEED when set, else random.
// Printed, so that a failure can be replayed.
unsigned TestSeed();

}  // namespace orgledger::testing

#endif  // ORGLEDGER_TESTS_TESTING_TEST_DIR_H_
