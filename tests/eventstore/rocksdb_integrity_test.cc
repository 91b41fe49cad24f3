// Tampering with a real RocksDB database: Verify names the first bad
// position for a flipped byte, a deleted record, swapped records, a record
// rewritten with a valid CRC, and a cut-off tail.
#include <rocksdb/db.h>

#include "eventstore/record.h"
#include "eventstore/rocksdb_layout.h"
#include "tests/eventstore/store_factories.h"
#include "tests/testing/raw_db.h"

namespace orgledger::eventstore {
namespace {

constexpr int kRecords = 20;

using testing::RawDb;

class RocksDbIntegrity : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = factory_.Open();
    for (int i = 0; i < kRecords; ++i) {
      auto r = store->Append(
          Request("s" + std::to_string(i % 3), ExpectedVersion::Any(),
                  {Event("E", "payload-" + std::to_string(i))}));
      ASSERT_TRUE(r.ok());
    }
  }
  std::string path() { return factory_.dir.Sub("db"); }

  VerifyReport VerifyAll() {
    auto store = factory_.Open();
    auto report = store->Verify(1, 0);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : VerifyReport{};
  }

  RocksDbStoreFactory factory_;
};

TEST_F(RocksDbIntegrity, IntactLogVerifies) {
  VerifyReport r = VerifyAll();
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.records, static_cast<std::uint64_t>(kRecords));
}

TEST_F(RocksDbIntegrity, FlippedByteIsNamed) {
  {
    RawDb raw(path());
    std::string v = raw.Get(7);
    v[v.size() - 3] ^= 0x20;
    raw.Put(7, v);
  }
  VerifyReport r = VerifyAll();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad, 7u);
  EXPECT_NE(r.problem.find("CRC"), std::string::npos) << r.problem;
  // Reads refuse to serve the corrupt record.
  auto store = factory_.Open();
  auto all = store->ReadAll(1, 100);
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.status().code(), Code::kCorruption);
}

TEST_F(RocksDbIntegrity, DeletedRecordIsNamed) {
  RawDb(path()).Delete(9);
  VerifyReport r = VerifyAll();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad, 9u);
  EXPECT_NE(r.problem.find("missing"), std::string::npos) << r.problem;
}

TEST_F(RocksDbIntegrity, SwappedRecordsAreNamed) {
  {
    RawDb raw(path());
    std::string a = raw.Get(5), b = raw.Get(6);
    raw.Put(5, b);
    raw.Put(6, a);
  }
  VerifyReport r = VerifyAll();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad, 5u);
}

TEST_F(RocksDbIntegrity, RewrittenRecordWithValidCrcBreaksTheChain) {
  {
    RawDb raw(path());
    auto e = DecodeRecord(raw.Get(4));
    ASSERT_TRUE(e.ok());
    // A forger changes the payload and recomputes the CRC and the record's
    // own hash from its predecessor: record 5 no longer chains.
    EventData forged{e->type, e->metadata, "forged"};
    std::string body = EncodeBody(4, e->stream, e->version, forged);
    auto prev = DecodeRecord(raw.Get(3));
    ASSERT_TRUE(prev.ok());
    raw.Put(4, EncodeRecord(ChainHash(prev->hash, body), body));
  }
  VerifyReport r = VerifyAll();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad, 5u);
  EXPECT_NE(r.problem.find("hash chain"), std::string::npos) << r.problem;
}

TEST_F(RocksDbIntegrity, RewrittenRecordKeepingItsHashIsNamed) {
  {
    RawDb raw(path());
    auto e = DecodeRecord(raw.Get(12));
    ASSERT_TRUE(e.ok());
    EventData forged{e->type, e->metadata, "forged"};
    std::string body = EncodeBody(12, e->stream, e->version, forged);
    raw.Put(12, EncodeRecord(e->hash, body));
  }
  VerifyReport r = VerifyAll();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad, 12u);
}

TEST_F(RocksDbIntegrity, CutOffTailIsNamed) {
  {
    RawDb raw(path());
    for (Position p = 18; p <= kRecords; ++p) raw.Delete(p);
  }
  VerifyReport r = VerifyAll();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad, 18u);
  EXPECT_NE(r.problem.find("cut off"), std::string::npos) << r.problem;
}

}  // namespace
}  // namespace orgledger::eventstore
