// The byte layout of projection rows (docs/format.md, "Projection rows"):
// a row is its fields in declaration order — integers as fixed64
// big-endian, strings length-prefixed, booleans one byte, doubles as their
// IEEE-754 bits, vectors as a count then elements, optionals as a presence
// byte then the value — after a one-byte row version. Each row type lists
// its fields once, in `template <class IO> void Fields(IO& io)`, and both
// directions use that list. Rows are rebuilt from the log whenever their
// projection's version changes, so they need no upcasting.
#ifndef ORGLEDGER_PROJECTIONS_ROW_CODING_H_
#define ORGLEDGER_PROJECTIONS_ROW_CODING_H_

#include <bit>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "base/result.h"
#include "eventstore/coding.h"

namespace orgledger::projections {

inline constexpr char kRowVersion = 1;

class RowWriter {
 public:
  RowWriter() { out_.push_back(kRowVersion); }
  std::string Take() { return std::move(out_); }

  void operator()(const std::string& s) {
    eventstore::PutLengthPrefixed(&out_, s);
  }
  void operator()(bool b) { out_.push_back(b ? 1 : 0); }
  void operator()(double d) {
    eventstore::PutFixed64BE(&out_, std::bit_cast<std::uint64_t>(d));
  }
  template <class T>
  requires(std::is_integral_v<T> || std::is_enum_v<T>) void operator()(
      const T& v) {
    eventstore::PutFixed64BE(&out_, static_cast<std::uint64_t>(v));
  }
  template <class T>
  void operator()(const std::optional<T>& v) {
    (*this)(v.has_value());
    if (v.has_value()) (*this)(*v);
  }
  template <class T>
  void operator()(const std::vector<T>& v) {
    eventstore::PutFixed64BE(&out_, v.size());
    for (const T& e : v) (*this)(e);
  }
  template <class T>
  requires requires(T t, RowWriter& w) { t.Fields(w); }
  void operator()(const T& row) { const_cast<T&>(row).Fields(*this); }

 private:
  std::string out_;
};

class RowReader {
 public:
  explicit RowReader(std::string_view in) : in_(in) {
    ok_ = !in_.empty() && in_[0] == kRowVersion;
    if (ok_) in_.remove_prefix(1);
  }
  bool done() const { return ok_ && in_.empty(); }

  void operator()(std::string& s) {
    std::string_view v;
    if (ok_ && eventstore::GetLengthPrefixed(&in_, &v)) {
      s.assign(v);
    } else {
      ok_ = false;
    }
  }
  void operator()(bool& b) {
    if (!ok_ || in_.empty()) {
      ok_ = false;
      return;
    }
    b = in_[0] != 0;
    in_.remove_prefix(1);
  }
  void operator()(double& d) {
    std::uint64_t bits = 0;
    Fixed(&bits);
    d = std::bit_cast<double>(bits);
  }
  template <class T>
  requires(std::is_integral_v<T> || std::is_enum_v<T>) void operator()(T& v) {
    std::uint64_t raw = 0;
    Fixed(&raw);
    v = static_cast<T>(raw);
  }
  template <class T>
  void operator()(std::optional<T>& v) {
    bool present = false;
    (*this)(present);
    if (!ok_) return;
    if (present) {
      v.emplace();
      (*this)(*v);
    } else {
      v.reset();
    }
  }
  template <class T>
  void operator()(std::vector<T>& v) {
    std::uint64_t n = 0;
    Fixed(&n);
    // Every element takes at least one byte: a count past the input is bad.
    if (!ok_ || n > in_.size()) {
      ok_ = false;
      return;
    }
    v.clear();
    v.resize(n);
    for (T& e : v) (*this)(e);
  }
  template <class T>
  requires requires(T t, RowReader& r) { t.Fields(r); }
  void operator()(T& row) { row.Fields(*this); }

 private:
  void Fixed(std::uint64_t* v) {
    if (!ok_ || !eventstore::GetFixed64BE(&in_, v)) ok_ = false;
  }

  std::string_view in_;
  bool ok_ = false;
};

template <class Row>
std::string EncodeRow(const Row& row) {
  RowWriter w;
  w(row);
  return w.Take();
}

// kCorruption when `bytes` is not a whole row of this type.
template <class Row>
Result<Row> DecodeRow(std::string_view bytes) {
  Row row;
  RowReader r(bytes);
  r(row);
  if (!r.done()) return Corruption("malformed projection row");
  return row;
}

}  // namespace orgledger::projections

#endif  // ORGLEDGER_PROJECTIONS_ROW_CODING_H_
