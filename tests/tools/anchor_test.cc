// Signed anchors as an auditor uses them, on real processes: keygen makes
// a private key only its owner may read and its public key; head --sign
// signs the head; verify --anchor-file --public-key exits 0 only for an
// anchor signed by that key whose position and hash the log still holds,
// and 1 for an altered anchor, another key, a forged signature or a log
// that does not extend it.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <string>

#include "tests/testing/files.h"
#include "tests/testing/test_dir.h"
#include "tests/tools/tool_runner.h"

namespace orgledger::testing {
namespace {

namespace json = boost::json;

std::string Create(const std::string& org) {
  return json::serialize(
             json::object{{"op", "create_organization"},
                          {"org", org},
                          {"actor", json::object{{"id", "ann"},
                                                 {"email", "ann@example.com"},
                                                 {"name", "Ann"}}},
                          {"edition", "team"}}) +
         "\n";
}

unsigned Mode(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

class SignedAnchors : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(
        RunOrgledger({"exec", "--data", db_}, Create("acme") + Create("beta"))
            .exit_code,
        0);
    ToolResult made = RunOrgledger({"keygen", "--out", key_});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    EXPECT_NE(made.out.find("fingerprint sha256:"), std::string::npos);
    ToolResult head = RunOrgledger({"head", "--data", db_, "--sign", key_});
    ASSERT_EQ(head.exit_code, 0) << head.err;
    WriteText(anchor_, head.out);
    signed_ = json::parse(head.out).as_object();
  }

  ToolResult Verify(const std::string& anchor, const std::string& pub,
                    const std::string& db = "") {
    return RunOrgledger({"verify", "--data", db.empty() ? db_ : db,
                         "--anchor-file", anchor, "--public-key", pub});
  }
  // The signed anchor with `field` replaced, in its own file.
  std::string Altered(const std::string& field, json::value value) {
    json::object a = signed_;
    a[field] = std::move(value);
    const std::string path = dir_.Sub("altered-" + field + ".json");
    WriteText(path, json::serialize(a));
    return path;
  }

  TestDir dir_;
  const std::string db_ = dir_.Sub("db");
  const std::string key_ = dir_.Sub("anchor.key");
  const std::string anchor_ = dir_.Sub("anchor.json");
  json::object signed_;
};

TEST_F(SignedAnchors, KeygenMakesAPrivateKeyAndAPublicOneAndNeverOverwrites) {
  EXPECT_EQ(Mode(key_), 0600u);
  EXPECT_EQ(Mode(key_ + ".pub"), 0644u);
  EXPECT_NE(ReadText(key_).find("BEGIN PRIVATE KEY"), std::string::npos);
  EXPECT_NE(ReadText(key_ + ".pub").find("BEGIN PUBLIC KEY"),
            std::string::npos);
  const std::string before = ReadText(key_);
  ToolResult again = RunOrgledger({"keygen", "--out", key_});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("never overwritten"), std::string::npos)
      << again.err;
  EXPECT_EQ(ReadText(key_), before);
  // A private key others may read is refused.
  ASSERT_EQ(::chmod(key_.c_str(), 0644), 0);
  ToolResult loose = RunOrgledger({"head", "--data", db_, "--sign", key_});
  EXPECT_EQ(loose.exit_code, 2);
  EXPECT_NE(loose.err.find("mode 0644"), std::string::npos) << loose.err;
}

TEST_F(SignedAnchors, AnAnchorSignedByTheKeyOfALogThatExtendsItVerifies) {
  EXPECT_EQ(signed_.at("position"), 2);
  EXPECT_EQ(signed_.at("signature").as_string().size(), 128u);
  // The log grows: the anchor still holds.
  ASSERT_EQ(RunOrgledger({"exec", "--data", db_}, Create("gamma")).exit_code,
            0);
  ToolResult r = Verify(anchor_, key_ + ".pub");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("anchor 2 of"), std::string::npos) << r.out;
}

TEST_F(SignedAnchors, AlteredAnchorsAreBadSignatures) {
  const std::string pub = key_ + ".pub";
  for (const std::string& path : std::vector<std::string>{
           Altered("position", 1), Altered("time", "2020-01-01T00:00:00Z"),
           Altered("hash", json::string(std::string(64, 'a')))}) {
    ToolResult r = Verify(path, pub);
    EXPECT_EQ(r.exit_code, 1) << path << "\n" << r.out << r.err;
    EXPECT_NE(r.out.find("signature does not verify"), std::string::npos)
        << r.out;
  }
}

TEST_F(SignedAnchors, AnotherKeyOrAForgedSignatureFails) {
  const std::string other = dir_.Sub("other.key");
  ASSERT_EQ(RunOrgledger({"keygen", "--out", other}).exit_code, 0);
  // Checked with another public key: the anchor names its own.
  ToolResult wrong = Verify(anchor_, other + ".pub");
  EXPECT_EQ(wrong.exit_code, 1) << wrong.out << wrong.err;
  EXPECT_NE(wrong.out.find("names the key"), std::string::npos) << wrong.out;
  // Signed by the other key but claiming ours: a forgery.
  ToolResult theirs = RunOrgledger({"head", "--data", db_, "--sign", other});
  ASSERT_EQ(theirs.exit_code, 0);
  json::object forged = json::parse(theirs.out).as_object();
  forged["key"] = signed_.at("key");
  const std::string forged_path = dir_.Sub("forged.json");
  WriteText(forged_path, json::serialize(forged));
  ToolResult r = Verify(forged_path, key_ + ".pub");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("signature does not verify"), std::string::npos)
      << r.out;
}

TEST_F(SignedAnchors, ALogThatDoesNotExtendTheAnchorFails) {
  // Another database of the same length: same positions, another chain.
  const std::string other = dir_.Sub("other-db");
  ASSERT_EQ(
      RunOrgledger({"exec", "--data", other}, Create("zeta") + Create("eta"))
          .exit_code,
      0);
  ToolResult r = Verify(anchor_, key_ + ".pub", other);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("chain hash differs"), std::string::npos) << r.out;
  // A shorter log: cut off before the anchor.
  const std::string shorter = dir_.Sub("short-db");
  ASSERT_EQ(RunOrgledger({"exec", "--data", shorter}, Create("acme")).exit_code,
            0);
  r = Verify(anchor_, key_ + ".pub", shorter);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("no longer reaches"), std::string::npos) << r.out;
}

TEST_F(SignedAnchors, UsageErrorsAreNamed) {
  ToolResult alone =
      RunOrgledger({"verify", "--data", db_, "--anchor-file", anchor_});
  EXPECT_EQ(alone.exit_code, 2);
  EXPECT_NE(alone.err.find("--public-key"), std::string::npos) << alone.err;
  const std::string junk = dir_.Sub("junk.json");
  WriteText(junk, "{\"position\": 1}");
  ToolResult r = Verify(junk, key_ + ".pub");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("a signed anchor is"), std::string::npos) << r.err;
  // The private key is not a public key.
  r = Verify(anchor_, key_);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no Ed25519 public key"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace orgledger::testing
