// Byte encodings of the persisted formats (docs/format.md): big-endian
// fixed-width integers (so that RocksDB's bytewise order is numeric order)
// and LEB128 varints for lengths.
#ifndef ORGLEDGER_EVENTSTORE_CODING_H_
#define ORGLEDGER_EVENTSTORE_CODING_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace orgledger::eventstore {

inline void PutFixed64BE(std::string* dst, std::uint64_t v) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  dst->append(buf, 8);
}

inline void PutFixed32BE(std::string* dst, std::uint32_t v) {
  char buf[4];
  for (int i = 3; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  dst->append(buf, 4);
}

inline void PutVarint64(std::string* dst, std::uint64_t v) {
  while (v >= 0x80) {
    dst->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  dst->push_back(static_cast<char>(v));
}

inline void PutLengthPrefixed(std::string* dst, std::string_view bytes) {
  PutVarint64(dst, bytes.size());
  dst->append(bytes);
}

inline std::string EncodeFixed64BE(std::uint64_t v) {
  std::string s;
  PutFixed64BE(&s, v);
  return s;
}

// Readers consume from the front of `*in`; they return false (leaving `*in`
// unspecified) when the input is too short or malformed.
inline bool GetFixed64BE(std::string_view* in, std::uint64_t* v) {
  if (in->size() < 8) return false;
  std::uint64_t r = 0;
  for (int i = 0; i < 8; ++i) {
    r = (r << 8) | static_cast<unsigned char>((*in)[i]);
  }
  in->remove_prefix(8);
  *v = r;
  return true;
}

inline bool GetFixed32BE(std::string_view* in, std::uint32_t* v) {
  if (in->size() < 4) return false;
  std::uint32_t r = 0;
  for (int i = 0; i < 4; ++i) {
    r = (r << 8) | static_cast<unsigned char>((*in)[i]);
  }
  in->remove_prefix(4);
  *v = r;
  return true;
}

inline bool GetVarint64(std::string_view* in, std::uint64_t* v) {
  std::uint64_t r = 0;
  for (int shift = 0; shift <= 63 && !in->empty(); shift += 7) {
    auto byte = static_cast<unsigned char>(in->front());
    in->remove_prefix(1);
    r |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = r;
      return true;
    }
  }
  return false;
}

inline bool GetLengthPrefixed(std::string_view* in, std::string_view* out) {
  std::uint64_t n = 0;
  if (!GetVarint64(in, &n) || n > in->size()) return false;
  *out = in->substr(0, n);
  in->remove_prefix(n);
  return true;
}

}  // namespace orgledger::eventstore

#endif  // ORGLEDGER_EVENTSTORE_CODING_H_
