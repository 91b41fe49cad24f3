#include "bench/report_page.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdio>
#include <optional>

namespace orgledger::bench {
namespace {

namespace json = boost::json;

Result<std::vector<json::object>> Parse(const std::vector<std::string>& lines,
                                        const std::string& which) {
  std::vector<json::object> out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find_first_not_of(" \t\r") == std::string::npos) continue;
    boost::system::error_code ec;
    json::value v = json::parse(lines[i], ec);
    if (ec || !v.is_object()) {
      return InvalidArgument(which + " line " + std::to_string(i + 1) +
                             " is not a JSON object");
    }
    out.push_back(std::move(v.as_object()));
  }
  return out;
}

std::optional<double> Number(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_double()) return v->as_double();
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  return std::nullopt;
}

std::string Text(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return "";
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_double()) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.0f", v->as_double());
    return buf;
  }
  return json::serialize(*v);
}

// The peers' figures of one phase, `writers` when given.
void AddPeers(const std::vector<json::object>& peers, const char* phase,
              std::optional<std::int64_t> writers, const char* metric,
              Chart* chart) {
  for (const json::object& p : peers) {
    if (Text(p, "phase") != phase) continue;
    std::optional<double> w = Number(p, "writers");
    if (writers.has_value() && w.has_value() &&
        static_cast<std::int64_t>(*w) != *writers) {
      continue;
    }
    if (std::optional<double> v = Number(p, metric)) {
      std::string label = Text(p, "peer");
      if (w.has_value()) label += ", " + Text(p, "writers") + " writer(s)";
      chart->bars.push_back({label, *v, "peer"});
    }
  }
}

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Figure(double v) {
  char buf[64];
  if (v >= 100) {
    // Thousands separated, as the README writes them.
    std::snprintf(buf, sizeof(buf), "%.0f", v);
    std::string digits(buf), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
      if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
      out += digits[i];
    }
    return out;
  }
  std::snprintf(buf, sizeof(buf), "%.3g", v);
  return buf;
}

}  // namespace

Result<std::vector<Chart>> ReportCharts(const std::vector<std::string>& ours,
                                        const std::vector<std::string>& peers) {
  Result<std::vector<json::object>> mine = Parse(ours, "bench output");
  if (!mine.ok()) return mine.status();
  Result<std::vector<json::object>> theirs = Parse(peers, "peers' results");
  if (!theirs.ok()) return theirs.status();
  std::vector<Chart> out;
  for (const json::object& f : *mine) {
    const std::string workload = Text(f, "workload");
    Chart c;
    if (workload == "onboarding") {
      const std::int64_t writers =
          static_cast<std::int64_t>(Number(f, "writers").value_or(0));
      const std::string durability = Text(f, "durability");
      c.title = "W1 onboarding, " + std::to_string(writers) + " writer(s), " +
                durability + ", " + Text(f, "orgs") + " organizations";
      c.unit = "commands/s";
      c.bars.push_back(
          {"orgledger", Number(f, "commands_per_s").value_or(0), "ours"});
      c.bars.push_back({durability == "sync" ? "ceiling: one fsync at a time"
                                             : "ceiling: RocksDB batch puts",
                        Number(f, "ceiling_per_s").value_or(0), "ceiling"});
      if (writers > 1) {
        c.bars.push_back({"target (issue 20)",
                          durability == "sync" ? 40000.0 : 60000.0, "target"});
      }
      if (durability == "sync") {
        AddPeers(*theirs, writers == 1 ? "commands" : "commands_concurrent",
                 std::nullopt, "commands_per_s", &c);
      }
    } else if (workload == "replay") {
      c.title = "W2 rebuild, all projections, " + Text(f, "events") + " events";
      c.unit = "events/s";
      c.bars.push_back(
          {"orgledger", Number(f, "events_per_s").value_or(0), "ours"});
      c.bars.push_back({"ceiling: RocksDB scan of the log",
                        Number(f, "rocksdb_scan_per_s").value_or(0),
                        "ceiling"});
      AddPeers(*theirs, "replay", std::nullopt, "events_per_s", &c);
    } else if (workload == "views" || workload == "history") {
      c.title = (workload == "views" ? "W4 views, "
                                     : "W7 views as of a past "
                                       "moment, ") +
                Text(f, "readers") + " readers";
      c.unit = "queries/s";
      c.bars.push_back(
          {"orgledger", Number(f, "queries_per_s").value_or(0), "ours"});
      c.bars.push_back(
          {workload == "views" ? "target (issue 20)" : "target (issue 19)",
           workload == "views" ? 100000.0 : 20000.0, "target"});
    } else if (workload == "mixed") {
      c.title = std::string("W5 mixed") +
                (Text(f, "steady") == "true" ? " (steady)" : "") + ", " +
                Text(f, "seconds") + " s";
      c.unit = "commands/s";
      c.bars.push_back(
          {"orgledger", Number(f, "commands_per_s").value_or(0), "ours"});
      c.bars.push_back({"target (issue 20)", 10000.0, "target"});
    } else if (workload == "open") {
      c.title = "W3 open to first command, " + Text(f, "events") + " events";
      c.unit = "ms";
      c.bars.push_back({"orgledger",
                        Number(f, "open_to_first_command_ms").value_or(0),
                        "ours"});
    } else if (workload == "replicas") {
      c.title = "W6 two replicas on one PostgreSQL, " + Text(f, "writers") +
                " writers";
      c.unit = "commands/s";
      c.bars.push_back(
          {"orgledger", Number(f, "commands_per_s").value_or(0), "ours"});
    } else {
      continue;  // calibration: its ceilings appear beside the figures
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::string ChartSvg(const Chart& c) {
  constexpr int kWidth = 720;
  constexpr int kLabel = 260;  // the labels' column
  constexpr int kRow = 26;
  double top = 0;
  for (const Bar& b : c.bars) top = std::max(top, b.value);
  if (top <= 0) top = 1;
  const int height = static_cast<int>(c.bars.size()) * kRow + 30;
  std::string svg =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
      "width=\"" +
      std::to_string(kWidth) + "\" height=\"" + std::to_string(height) +
      "\" aria-label=\"" + Escape(c.title) + "\">\n";
  svg +=
      "<style>.ours{fill:#2b6cb0}.ceiling{fill:#a0aec0}.peer{fill:#dd6b20}"
      ".target{fill:#fff;stroke:#222;stroke-dasharray:4 2}"
      "text{font:12px sans-serif;fill:#222}.title{font-weight:bold}</style>"
      "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n";
  svg += "<text class=\"title\" x=\"0\" y=\"16\">" + Escape(c.title) + " (" +
         Escape(c.unit) + ")</text>\n";
  int y = 27;
  for (const Bar& b : c.bars) {
    const int bar =
        std::max(1, static_cast<int>((kWidth - kLabel - 90) * b.value / top));
    svg += "<text x=\"0\" y=\"" + std::to_string(y + 16) + "\">" +
           Escape(b.label) + "</text>";
    svg += "<rect class=\"" + b.kind + "\" x=\"" + std::to_string(kLabel) +
           "\" y=\"" + std::to_string(y + 3) + "\" width=\"" +
           std::to_string(bar) + "\" height=\"18\"/>";
    svg += "<text x=\"" + std::to_string(kLabel + bar + 6) + "\" y=\"" +
           std::to_string(y + 16) + "\">" + Figure(b.value) + "</text>\n";
    y += kRow;
  }
  svg += "</svg>\n";
  return svg;
}

std::string ReportPage(const std::vector<Chart>& charts,
                       const std::string& subtitle) {
  std::string page =
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>orgledger benchmarks</title><style>"
      "body{font:14px system-ui,sans-serif;margin:2em;color:#222}"
      "svg{display:block;margin:1.2em 0}</style></head><body>\n"
      "<h1>orgledger benchmarks</h1>\n<p>" +
      Escape(subtitle) +
      "</p>\n<p>Blue: orgledger. Grey: the ceiling measured in the same run. "
      "Orange: the peers, from their results of the same session. Dashed: "
      "the target an issue set.</p>\n";
  for (const Chart& c : charts) page += ChartSvg(c);
  page += "</body></html>\n";
  return page;
}

}  // namespace orgledger::bench
