#include "tools/wire/strict_json.h"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace orgledger::wire {
namespace {

namespace json = boost::json;
using boost::system::error_code;

// A basic_parser handler that only follows the keys of each open object:
// the first pass over the text, before Boost.JSON builds the value.
class KeyChecker {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  const std::optional<std::string>& duplicate() const { return duplicate_; }

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) {
    open_.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t, error_code&) {
    open_.pop_back();
    return true;
  }
  bool on_array_begin(error_code&) { return true; }
  bool on_array_end(std::size_t, error_code&) { return true; }
  bool on_key_part(json::string_view s, std::size_t, error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, error_code& ec) {
    key_.append(s.data(), s.size());
    const bool fresh = open_.back().insert(key_).second;
    if (!fresh && !duplicate_.has_value()) duplicate_ = key_;
    key_.clear();
    if (!fresh) ec = json::error::syntax;  // stops the pass here
    return fresh;
  }
  bool on_string_part(json::string_view, std::size_t, error_code&) {
    return true;
  }
  bool on_string(json::string_view, std::size_t, error_code&) { return true; }
  bool on_number_part(json::string_view, error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, error_code&) { return true; }
  bool on_uint64(std::uint64_t, json::string_view, error_code&) { return true; }
  bool on_double(double, json::string_view, error_code&) { return true; }
  bool on_bool(bool, error_code&) { return true; }
  bool on_null(error_code&) { return true; }
  bool on_comment_part(json::string_view, error_code&) { return true; }
  bool on_comment(json::string_view, error_code&) { return true; }

 private:
  std::vector<std::set<std::string>> open_;  // the keys of each open object
  std::string key_;
  std::optional<std::string> duplicate_;
};

}  // namespace

Result<json::value> ParseStrictJson(std::string_view text) {
  error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) {
    return Status(Code::kInvalidRequest, "malformed JSON: " + ec.message());
  }
  json::basic_parser<KeyChecker> checker{json::parse_options{}};
  checker.write_some(false, text.data(), text.size(), ec);
  if (const std::optional<std::string>& key = checker.handler().duplicate()) {
    return Status(Code::kInvalidRequest,
                  "duplicate key \"" + *key +
                      "\" in a JSON object: each key may appear once");
  }
  return v;
}

}  // namespace orgledger::wire
