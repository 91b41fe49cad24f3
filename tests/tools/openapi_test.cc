// The OpenAPI document the server serves is held to the code: its paths are
// the server's routes with their methods, its ops, views, fields, error
// codes and event types are the ones the server knows, and nothing else.
// (tests/api/ validates real responses against it with a JSON Schema
// validator.)
#include <gtest/gtest.h>

#include <set>

#include "base/status.h"
#include "domain/commands.h"
#include "domain/events.h"
#include "projections/views.h"
#include "tests/tools/serve_fixture.h"
#include "tools/serve/handler.h"

namespace orgledger::testing {
namespace {

using Names = std::set<std::string>;

template <class Range>
Names Set(const Range& range) {
  Names out;
  for (const auto& s : range) out.insert(std::string(s));
  return out;
}

Names Keys(const json::value& object) {
  Names out;
  for (const auto& kv : object.as_object()) out.insert(std::string(kv.key()));
  return out;
}

Names Strings(const json::value& array) {
  Names out;
  for (const json::value& v : array.as_array()) {
    out.insert(std::string(v.as_string()));
  }
  return out;
}

// The fields the server's decoder takes where `request` has the unknown
// field "zz_unknown", as its answer names them.
Names FieldsTaken(Client& c, const std::string& target,
                  const json::object& request) {
  Reply r = c.Post(target, json::serialize(request));
  const std::string marker = "(the fields here: ";
  const std::string message(
      json::parse(r.body).at("error").at("message").as_string());
  const std::size_t at = message.find(marker);
  EXPECT_NE(at, std::string::npos) << r.body;
  if (at == std::string::npos) return {};
  const std::size_t from = at + marker.size();
  const std::string list = message.substr(from, message.find(')', from) - from);
  Names out;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = list.find(", ", start);
    out.insert(list.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 2;
  }
  return out;
}

class OpenApi : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<Server>(dir_);
    client_ = std::make_unique<Client>(server_->port());
    Reply r = client_->Get("/v1/openapi.json");  // no secret
    ASSERT_EQ(r.status, 200) << r.body;
    doc_ = json::parse(r.body);
    schemas_ = &doc_.at("components").at("schemas").as_object();
  }
  const json::value& Schema(const std::string& name) {
    return schemas_->at(name);
  }

  TestDir dir_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<Client> client_;
  json::value doc_;
  const json::object* schemas_ = nullptr;
};

TEST_F(OpenApi, ItsPathsAreTheServersRoutesWithTheirMethods) {
  EXPECT_EQ(doc_.at("openapi").as_string(), "3.1.0");
  std::map<std::string, Names> routes;
  for (const serve::Route& r : serve::Handler::Routes()) {
    Names methods;
    std::string m(r.methods);
    for (std::size_t start = 0; start < m.size();) {
      std::size_t comma = m.find(", ", start);
      std::string one = m.substr(start, comma - start);
      for (char& ch : one) ch = static_cast<char>(std::tolower(ch));
      methods.insert(one);
      start = comma == std::string::npos ? m.size() : comma + 2;
    }
    routes[std::string(r.path)] = methods;
  }
  std::map<std::string, Names> documented;
  for (const auto& kv : doc_.at("paths").as_object()) {
    documented[std::string(kv.key())] = Keys(kv.value());
  }
  EXPECT_EQ(documented, routes);
}

TEST_F(OpenApi, ItsOpsViewsCodesAndEventTypesAreTheServers) {
  EXPECT_EQ(Keys(Schema("CommandRequest").at("discriminator").at("mapping")),
            Set(domain::CommandOpNames()));
  EXPECT_EQ(Keys(Schema("ViewRequest").at("discriminator").at("mapping")),
            Set(projections::ViewNames()));
  Names codes;
  for (int c = static_cast<int>(Code::kInvalidRequest);
       c <= static_cast<int>(Code::kTooLarge); ++c) {
    codes.insert(std::string(CodeName(static_cast<Code>(c))));
  }
  EXPECT_EQ(Strings(Schema("ErrorCode").at("enum")), codes);
  EXPECT_EQ(Strings(Schema("EventType").at("enum")),
            Set(domain::kEventTypeNames));
}

TEST_F(OpenApi, EveryOpAndViewHasTheFieldsTheServerTakes) {
  for (std::string_view op : domain::CommandOpNames()) {
    const json::value& schema = Schema("op." + std::string(op));
    json::object request{{"op", op}, {"zz_unknown", 1}};
    if (op == "accept_invite") request["invite_id"] = "x";
    EXPECT_EQ(Keys(schema.at("properties")),
              FieldsTaken(*client_, "/v1/commands", request))
        << op;
    EXPECT_TRUE(schema.as_object().contains("x-orgledger-who")) << op;
    EXPECT_TRUE(schema.as_object().contains("x-orgledger-errors")) << op;
  }
  for (std::string_view view : projections::ViewNames()) {
    const json::value& schema = Schema("view." + std::string(view));
    json::object request{{"view", view}, {"zz_unknown", 1}};
    EXPECT_EQ(Keys(schema.at("properties")),
              FieldsTaken(*client_, "/v1/views", request))
        << view;
    EXPECT_TRUE(schemas_->contains("view." + std::string(view) + ".result"));
  }
  // The actor's shapes: a person, or a system service.
  EXPECT_EQ(Keys(Schema("PersonActor").at("properties")),
            FieldsTaken(*client_, "/v1/views",
                        {{"view", "teams"},
                         {"org", "acme"},
                         {"viewer", {{"id", "u"}, {"zz_unknown", 1}}}}));
}

}  // namespace
}  // namespace orgledger::testing
