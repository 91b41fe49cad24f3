// The report page: a chart per figure of a run, with its ceiling and the
// peers' figures of the same workload; lines that are not JSON are refused
// by number; names are escaped.
#include "bench/report_page.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace orgledger::bench {
namespace {

const std::vector<std::string> kOurs = {
    R"({"workload":"calibrate","fs":"ext4","fsync_us":200.0})",
    R"({"workload":"onboarding","writers":64,"durability":"sync","orgs":20000,"commands_per_s":30000,"ceiling_per_s":5000})",
    R"({"workload":"onboarding","writers":1,"durability":"sync","orgs":20000,"commands_per_s":2500,"ceiling_per_s":5000})",
    R"({"workload":"replay","events":60000,"events_per_s":100000,"rocksdb_scan_per_s":1600000})",
    R"({"workload":"history","readers":4,"queries_per_s":985})",
};
const std::vector<std::string> kPeers = {
    R"({"phase":"host","cpus":2})",
    R"({"peer":"message-db","phase":"commands","writers":1,"commands_per_s":903})",
    R"({"peer":"message-db","phase":"commands_concurrent","writers":64,"commands_per_s":2021})",
    R"({"peer":"<pg> & co","phase":"commands_concurrent","writers":64,"commands_per_s":1500})",
    R"({"peer":"message-db","phase":"replay","events_per_s":175000})",
    "",
};

TEST(ReportPage, EachFigureHasItsCeilingAndThePeersOfItsWorkload) {
  Result<std::vector<Chart>> charts = ReportCharts(kOurs, kPeers);
  ASSERT_TRUE(charts.ok()) << charts.status().ToString();
  ASSERT_EQ(charts->size(), 4u);  // the calibration is no chart of its own
  const Chart& many = (*charts)[0];
  ASSERT_EQ(many.bars.size(), 5u);
  EXPECT_EQ(many.bars[0].kind, "ours");
  EXPECT_EQ(many.bars[0].value, 30000);
  EXPECT_EQ(many.bars[1].kind, "ceiling");
  EXPECT_EQ(many.bars[2].kind, "target");
  EXPECT_EQ(many.bars[2].value, 40000);
  EXPECT_EQ(many.bars[3].label, "message-db, 64 writer(s)");
  EXPECT_EQ(many.bars[3].value, 2021);
  const Chart& one = (*charts)[1];
  ASSERT_EQ(one.bars.size(), 3u);
  EXPECT_EQ(one.bars[2].value, 903);
  const Chart& replay = (*charts)[2];
  ASSERT_EQ(replay.bars.size(), 3u);
  EXPECT_EQ(replay.bars[1].value, 1600000);
  EXPECT_EQ(replay.bars[2].value, 175000);
  ASSERT_EQ((*charts)[3].bars.size(), 2u);       // no ceiling, no peer
  EXPECT_EQ((*charts)[3].bars[1].value, 20000);  // its target
}

TEST(ReportPage, APageDrawsEveryBarToScaleAndEscapesNames) {
  Result<std::vector<Chart>> charts = ReportCharts(kOurs, kPeers);
  ASSERT_TRUE(charts.ok());
  const std::string page = ReportPage(*charts, "a <test> run");
  std::size_t svgs = 0;
  for (std::size_t at = page.find("<svg"); at != std::string::npos;
       at = page.find("<svg", at + 1)) {
    ++svgs;
  }
  EXPECT_EQ(svgs, 4u);
  EXPECT_NE(page.find("&lt;pg&gt; &amp; co"), std::string::npos);
  EXPECT_EQ(page.find("<pg>"), std::string::npos);
  EXPECT_NE(page.find("a &lt;test&gt; run"), std::string::npos);
  EXPECT_NE(page.find(">30,000<"), std::string::npos);
  // The longest bar of a chart spans the bars' width; the others in
  // proportion (2,021 of the target's 40,000).
  EXPECT_NE(page.find("width=\"370\" height=\"18\""), std::string::npos);
  EXPECT_NE(page.find("width=\"18\" height=\"18\""), std::string::npos);
}

TEST(ReportPage, ALineThatIsNotJsonIsNamed) {
  Result<std::vector<Chart>> charts =
      ReportCharts({kOurs[1], "bench: W1 done"}, {});
  ASSERT_FALSE(charts.ok());
  EXPECT_EQ(charts.status().code(), Code::kInvalidArgument);
  EXPECT_NE(charts.status().message().find("bench output line 2"),
            std::string::npos);
  charts = ReportCharts(kOurs, {"{"});
  ASSERT_FALSE(charts.ok());
  EXPECT_NE(charts.status().message().find("peers' results line 1"),
            std::string::npos);
}

}  // namespace
}  // namespace orgledger::bench
