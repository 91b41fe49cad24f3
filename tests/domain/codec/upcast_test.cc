// The upcasting path: a test-only second version of TeamCreated adds a
// field. Records written under version 1 (by the released codec) load into
// version 2 with the field upcast; version 2 records keep it.
#include <gtest/gtest.h>

#include "domain/codec/archive.h"
#include "domain/codec/codec.h"

namespace orgledger::codec::testing {
namespace {

// TeamCreated as a future release might define it.
struct TeamCreatedV2 {
  std::string team;
  std::string name;
  std::string description;  // new in version 2

  template <class A>
  void serialize(A& ar, std::uint32_t version) {
    ar(team, name);
    if (version >= 2) {
      ar(description);
    } else {
      description = "(team " + name + ")";  // the upcast of a version 1 record
    }
  }
};

}  // namespace
}  // namespace orgledger::codec::testing

CEREAL_CLASS_VERSION(orgledger::codec::testing::TeamCreatedV2, 2)

namespace orgledger::codec::testing {
namespace {

TEST(CodecUpcast, VersionOneRecordLoadsIntoVersionTwo) {
  const std::string v1 = EncodeEvent(domain::TeamCreated{"core", "Core Team"});
  const TeamCreatedV2 up = internal::Load<TeamCreatedV2>(v1);
  EXPECT_EQ(up.team, "core");
  EXPECT_EQ(up.name, "Core Team");
  EXPECT_EQ(up.description, "(team Core Team)");
}

TEST(CodecUpcast, VersionTwoRecordKeepsItsField) {
  const std::string v2 =
      internal::Save(TeamCreatedV2{"core", "Core Team", "the core"});
  EXPECT_EQ(internal::Load<TeamCreatedV2>(v2).description, "the core");
  // The released (version 1) reader refuses a record from its future
  // rather than misreading it: the trailing field is left unread.
  EXPECT_FALSE(DecodeEvent("TeamCreated", v2).ok());
}

}  // namespace
}  // namespace orgledger::codec::testing
