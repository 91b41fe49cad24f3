#include "tools/wire/response.h"

#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>

#include "tools/wire/view_json.h"

namespace orgledger::wire {

namespace json = boost::json;

json::object EncodeError(const Status& error) {
  // kCorruption and kInternal never reach the wire by those names.
  Code code = error.code();
  if (code == Code::kCorruption || code == Code::kInternal) {
    code = Code::kUnavailable;
  }
  json::object out;
  out["ok"] = false;
  out["error"] =
      json::object{{"code", CodeName(code)}, {"message", error.message()}};
  return out;
}

json::object EncodeOutcome(const commands::CommandOutcome& o) {
  json::object out;
  if (!o.ok()) {
    out = EncodeError(o.error);
    if (!o.violations.empty()) {
      json::array violations;
      for (const domain::Violation& v : o.violations) {
        violations.push_back(json::object{
            {"limit", v.limit}, {"current", v.current}, {"max", v.max}});
      }
      out["error"].as_object()["violations"] = std::move(violations);
    }
    if (o.position != 0) out["position"] = o.position;
    if (o.replayed) out["replayed"] = true;
    return out;
  }
  out["ok"] = true;
  out["position"] = o.position;
  out["version"] = o.version;
  json::array events;
  for (const commands::EventRef& e : o.events) {
    events.push_back(json::object{{"type", e.type}, {"position", e.position}});
  }
  out["events"] = std::move(events);
  if (o.invite_id.has_value()) out["invite_id"] = *o.invite_id;
  if (o.token.has_value()) out["token"] = *o.token;
  if (o.replayed) out["replayed"] = true;
  return out;
}

json::object EncodeView(const projections::View& view) {
  json::object out;
  out["ok"] = true;
  for (auto& kv : ViewJson(view)) out[kv.key()] = std::move(kv.value());
  return out;
}

int HttpStatus(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalidRequest:
    case Code::kInvalidArgument:
      return 400;
    case Code::kUnauthenticated:
      return 401;
    case Code::kForbidden:
      return 403;
    case Code::kNotFound:
    case Code::kInviteNotFound:
      return 404;
    case Code::kTooLarge:
      return 413;
    case Code::kUnavailable:
    case Code::kNotCaughtUp:
    case Code::kCorruption:
    case Code::kInternal:
      return 503;
    default:
      return 409;
  }
}

namespace {

// Boost.JSON writes doubles as "4.1697E1"; people read "41.697". The
// shortest round-trip form of std::to_chars is plain where that is shorter.
void Write(const json::value& v, std::string& out);

void WriteObject(const json::object& o, std::string& out) {
  out += '{';
  bool first = true;
  for (const auto& kv : o) {
    if (!first) out += ',';
    first = false;
    out += json::serialize(json::string_view(kv.key()));
    out += ':';
    Write(kv.value(), out);
  }
  out += '}';
}

void Write(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::object:
      WriteObject(v.get_object(), out);
      return;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const json::value& item : v.get_array()) {
        if (!first) out += ',';
        first = false;
        Write(item, out);
      }
      out += ']';
      return;
    }
    case json::kind::double_: {
      const double d = v.get_double();
      if (!std::isfinite(d)) {
        out += "null";
        return;
      }
      char buf[32];
      const std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, d);
      out.append(buf, r.ptr);
      return;
    }
    default:
      out += json::serialize(v);
  }
}

}  // namespace

std::string ToLine(const json::object& response) {
  std::string out;
  out.reserve(256);
  WriteObject(response, out);
  return out;
}

json::object EncodeEraseReport(const commands::EraseReport& report) {
  json::array plaintext;
  for (eventstore::Position p : report.plaintext) plaintext.push_back(p);
  auto ms = [](std::chrono::microseconds d) {
    return static_cast<double>(d.count()) / 1000.0;
  };
  return json::object{{"ok", true},
                      {"erasure_id", report.erasure_id},
                      {"position", report.position},
                      {"keys", report.keys},
                      {"organizations", report.orgs.size()},
                      {"plaintext_positions", std::move(plaintext)},
                      {"logical_ms", ms(report.logical)},
                      {"purge_ms", ms(report.purge)}};
}

}  // namespace orgledger::wire
