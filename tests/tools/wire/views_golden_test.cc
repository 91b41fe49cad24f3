// The bytes of every view, for every kind of viewer, held to committed
// golden files: a scripted history (golden/views_script.jsonl) runs through
// the wire and the engine as `exec` runs it, then every view is asked by
// every viewer of a full and an almost empty organization, pages followed
// through `next`. The output must equal golden/views.txt byte for byte.
// ORGLEDGER_UPDATE_GOLDEN=1 rewrites the file (only for an intended change
// of the wire format: review the diff).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "commands/engine.h"
#include "eventstore/event_store.h"
#include "tests/commands/engine_fixture.h"
#include "tests/testing/files.h"
#include "tools/wire/request.h"
#include "tools/wire/response.h"
#include "tools/wire/script.h"

namespace orgledger::wire {
namespace {

namespace json = boost::json;

const std::string kGoldenDir =
    std::string(ORGLEDGER_SOURCE_DIR) + "/tests/tools/wire/golden/";

struct Viewer {
  const char* kind;
  const char* json;
};

const Viewer kViewers[] = {
    {"admin", R"({"id":"u-alice","email":"Alice@Example.com","name":"Alice"})"},
    {"member", R"({"id":"u-bob","email":"bob@example.com","name":"Bob"})"},
    {"billing_manager",
     R"({"id":"u-carol","email":"carol@example.com","name":"Carol"})"},
    {"removed",
     R"({"id":"u-frank","email":"frank@example.com","name":"Frank"})"},
    {"stranger", R"({"id":"u-erin","email":"erin@example.com","name":"Erin"})"},
    {"system", R"({"system":"payments"})"},
    {"tiny_admin", R"({"id":"u-zed","email":"zed@example.com","name":"Zed"})"},
};

// Runs requests through exec's own ScriptSession, keeping a transcript.
class Session {
 public:
  Session() {
    commands::EngineOptions options;
    options.context = context_;
    options.threads = 2;
    auto engine = commands::Engine::OpenWithStore(
        options, eventstore::NewMemoryEventStore(options.store));
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
    session_ = std::make_unique<ScriptSession>(*engine_);
  }

  // The response line to `line`.
  std::string Run(const std::string& line) {
    const std::string out = ToLine(session_->Respond(line));
    transcript_ << line << '\n' << "=> " << out << '\n';
    return out;
  }

  std::string transcript() const { return transcript_.str(); }

 private:
  std::shared_ptr<commands::testing::TestContext> context_ =
      std::make_shared<commands::testing::TestContext>();
  std::unique_ptr<commands::Engine> engine_;
  std::unique_ptr<ScriptSession> session_;
  std::ostringstream transcript_;
};

std::string View(const std::string& view, const std::string& org,
                 const Viewer& viewer, const std::string& extra = "") {
  return R"({"view":")" + view + R"(","org":")" + org + R"(","viewer":)" +
         viewer.json + extra + "}";
}

// Asks a paged view with `limit`, then follows `next` to the end.
void Pages(Session& s, const std::string& view, const std::string& org,
           const Viewer& viewer, int limit) {
  std::string extra = ",\"limit\":" + std::to_string(limit);
  for (int page = 0; page < 20; ++page) {
    json::value response = json::parse(s.Run(View(view, org, viewer, extra)));
    const json::value* next = response.as_object().if_contains("next");
    if (next == nullptr) return;
    extra = ",\"limit\":" + std::to_string(limit) +
            ",\"before\":" + json::serialize(*next);
  }
  ADD_FAILURE() << view << " never stopped returning next";
}

std::string RunEverything() {
  Session s;
  std::istringstream script(
      orgledger::testing::ReadText(kGoldenDir + "views_script.jsonl"));
  std::string line;
  while (std::getline(script, line)) {
    if (!line.empty()) s.Run(line);
  }
  const char* const kPermissions[] = {"members.list",
                                      "members.count",
                                      "billing.billing_managers.view",
                                      "billing.invites.view",
                                      "audit_logs.view",
                                      "billing.credit_card.update"};
  for (const std::string org : {"acme", "tiny", "nowhere"}) {
    for (const Viewer& v : kViewers) {
      for (const char* view :
           {"member_count", "members", "billing_managers", "invites", "billing",
            "payments", "rum", "teams", "audit_log"}) {
        s.Run(View(view, org, v));
      }
      for (const char* p : kPermissions) {
        s.Run(View("authorize", org, v,
                   std::string(",\"permission\":\"") + p + "\""));
      }
      s.Run(View("rum", org, v, R"(,"month":"2026-10")"));
      s.Run(View("billing", org, v, R"(,"month":"2026-10")"));
      Pages(s, "members", org, v, 2);
      Pages(s, "payments", org, v, 2);
      Pages(s, "audit_log", org, v, 7);
    }
  }
  // Values the views refuse.
  const Viewer& admin = kViewers[0];
  s.Run(View("members", "acme", admin, R"(,"limit":0)"));
  s.Run(View("audit_log", "acme", admin, R"(,"limit":1001)"));
  s.Run(View("rum", "acme", admin, R"(,"month":"2026-13")"));
  s.Run(View("authorize", "acme", admin, R"(,"permission":"nope")"));
  s.Run(View("teams", "-bad", admin));
  return s.transcript();
}

TEST(ViewsGolden, EveryViewForEveryViewerGivesTheRecordedBytes) {
  const std::string got = RunEverything();
  const std::string path = kGoldenDir + "views.txt";
  if (const char* update = std::getenv("ORGLEDGER_UPDATE_GOLDEN");
      update != nullptr && std::string(update) == "1") {
    orgledger::testing::WriteText(path, got);
    GTEST_SKIP() << "rewrote " << path;
  }
  const std::string want = orgledger::testing::ReadText(path);
  ASSERT_FALSE(want.empty()) << path << " is missing";
  EXPECT_EQ(got, want) << "the views' bytes changed; compare with " << path;
}

}  // namespace
}  // namespace orgledger::wire
