// DecodeRequest's errors teach: an unknown op, view or field names the
// valid ones, and a request missing several fields names all of them.
#include "tools/wire/request.h"

#include <gtest/gtest.h>

#include "tools/wire/response.h"

namespace orgledger::wire {
namespace {

std::string Refusal(std::string_view text) {
  Result<Request> r = DecodeRequest(text);
  EXPECT_FALSE(r.ok()) << text;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), Code::kInvalidRequest) << text;
  return r.status().message();
}

constexpr std::string_view kAlice =
    R"("actor": {"id": "u1", "email": "a@example.com", "name": "A"})";

TEST(WireErrors, AnUnknownOpNamesEveryOp) {
  const std::string m = Refusal(R"({"op": "invite_billingmanager"})");
  EXPECT_NE(m.find("unknown op \"invite_billingmanager\" (the ops: "
                   "create_organization, invite_member, "),
            std::string::npos)
      << m;
  EXPECT_NE(m.find(", record_invite_email_failure)"), std::string::npos) << m;
}

TEST(WireErrors, AnUnknownViewNamesEveryView) {
  const std::string m = Refusal(
      R"({"view": "billing_manager", "org": "o", "viewer": {"system": "s"}})");
  EXPECT_EQ(m,
            "unknown view \"billing_manager\" (the views: member_count, "
            "members, billing_managers, invites, billing, payments, rum, "
            "teams, audit_log, authorize)");
}

TEST(WireErrors, EveryMissingFieldIsNamedAtOnce) {
  EXPECT_EQ(Refusal(R"({"op": "invite_member", "org": "o"})"),
            "missing fields \"email\", \"role\", \"actor\"");
  EXPECT_EQ(Refusal(R"({"op": "create_team", "org": "o", "team": "t", )" +
                    std::string(kAlice) + "}"),
            "missing field \"name\"");
  EXPECT_EQ(
      Refusal(R"({"op": "delete_team", "org": "o", "team": "t", "actor": {}})"),
      "missing fields \"id\", \"email\", \"name\" in actor");
}

TEST(WireErrors, AnUnknownFieldNamesTheFieldsThere) {
  const std::string m = Refusal(R"({"op": "revoke_invite", "org": "o", )"
                                R"("invite": "i", )" +
                                std::string(kAlice) + "}");
  EXPECT_NE(m.find("missing field \"invite_id\"; unknown field \"invite\" "
                   "(the fields here: op, invite_id, org, actor, "
                   "idempotency_key, "),
            std::string::npos)
      << m;
}

TEST(WireLines, DecimalsArePlainNumbers) {
  boost::json::object o{{"average", 41.697},
                        {"tiny", 0.001},
                        {"whole", 3},
                        {"text", "a\"b"},
                        {"list", {1.5, nullptr, true}}};
  EXPECT_EQ(ToLine(o),
            R"({"average":41.697,"tiny":0.001,"whole":3,"text":"a\"b",)"
            R"("list":[1.5,null,true]})");
}

}  // namespace
}  // namespace orgledger::wire
