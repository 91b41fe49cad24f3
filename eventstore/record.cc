#include "eventstore/record.h"

#include <openssl/evp.h>

#include <boost/crc.hpp>
#include <cstring>
#if defined(__x86_64__)
#include <nmmintrin.h>
#endif
#include <cstring>

#include "eventstore/coding.h"

namespace orgledger::eventstore {

namespace {
// 1 format byte + 4 CRC bytes + 32 hash bytes.
constexpr std::size_t kHeaderBytes = 1 + 4 + 32;

// One digest context per thread, freed with the thread: allocating an
// EVP_MD_CTX per record would dominate the cost of small digests.
struct DigestContext {
  DigestContext() : ctx(EVP_MD_CTX_new()) {}
  ~DigestContext() { EVP_MD_CTX_free(ctx); }
  DigestContext(const DigestContext&) = delete;
  DigestContext& operator=(const DigestContext&) = delete;
  EVP_MD_CTX* ctx;
};
}  // namespace

std::uint32_t Crc32cPortable(std::string_view bytes) {
  // Reflected CRC-32C, as iSCSI, ext4 and RocksDB use it.
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

#if defined(__x86_64__)
namespace {
// The SSE4.2 crc32 instruction computes exactly CRC-32C; 8 bytes a step.
__attribute__((target("sse4.2"))) std::uint32_t Crc32cSse42(
    std::string_view bytes) {
  std::uint64_t crc = 0xFFFFFFFFu;
  const char* p = bytes.data();
  std::size_t n = bytes.size();
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    crc = _mm_crc32_u64(crc, word);
  }
  auto crc32 = static_cast<std::uint32_t>(crc);
  for (; n > 0; ++p, --n)
    crc32 = _mm_crc32_u8(crc32, static_cast<unsigned char>(*p));
  return ~crc32;
}
}  // namespace
#endif

std::uint32_t Crc32c(std::string_view bytes) {
#if defined(__x86_64__)
  static const bool kSse42 = __builtin_cpu_supports("sse4.2");
  if (kSse42) return Crc32cSse42(bytes);
#endif
  return Crc32cPortable(bytes);
}

Hash ChainHash(const Hash& prev, std::string_view body) {
  thread_local DigestContext digest;
  EVP_MD_CTX* ctx = digest.ctx;
  Hash out{};
  unsigned int len = 0;
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx, prev.data(), prev.size());
  EVP_DigestUpdate(ctx, body.data(), body.size());
  EVP_DigestFinal_ex(ctx, out.data(), &len);
  return out;
}

std::string EncodeBody(Position position, std::string_view stream,
                       Version version, const EventData& event) {
  std::string body;
  body.reserve(32 + stream.size() + event.type.size() + event.metadata.size() +
               event.payload.size());
  PutFixed64BE(&body, position);
  PutLengthPrefixed(&body, stream);
  PutFixed64BE(&body, version);
  PutLengthPrefixed(&body, event.type);
  PutLengthPrefixed(&body, event.metadata);
  PutLengthPrefixed(&body, event.payload);
  return body;
}

std::string EncodeRecord(const Hash& hash, std::string_view body) {
  std::string covered(reinterpret_cast<const char*>(hash.data()), hash.size());
  covered.append(body);
  std::string record;
  record.reserve(kHeaderBytes + body.size());
  record.push_back(static_cast<char>(kRecordFormat));
  PutFixed32BE(&record, Crc32c(covered));
  record.append(covered);
  return record;
}

bool PeekRecordHash(std::string_view bytes, Hash* hash) {
  if (bytes.size() < kHeaderBytes) return false;
  std::memcpy(hash->data(), bytes.data() + 5, hash->size());
  return true;
}

Result<RecordedEvent> DecodeRecord(std::string_view bytes,
                                   std::string_view* body_out) {
  if (bytes.size() < kHeaderBytes) {
    return Corruption("record shorter than its header");
  }
  if (static_cast<std::uint8_t>(bytes[0]) != kRecordFormat) {
    return Corruption("unknown record format " +
                      std::to_string(static_cast<unsigned char>(bytes[0])));
  }
  std::string_view in = bytes.substr(1);
  std::uint32_t crc = 0;
  GetFixed32BE(&in, &crc);
  if (Crc32c(in) != crc) return Corruption("record CRC32C mismatch");

  RecordedEvent e;
  std::memcpy(e.hash.data(), in.data(), e.hash.size());
  in.remove_prefix(e.hash.size());
  if (body_out != nullptr) *body_out = in;

  std::string_view stream, type, metadata, payload;
  if (!GetFixed64BE(&in, &e.position) || !GetLengthPrefixed(&in, &stream) ||
      !GetFixed64BE(&in, &e.version) || !GetLengthPrefixed(&in, &type) ||
      !GetLengthPrefixed(&in, &metadata) || !GetLengthPrefixed(&in, &payload) ||
      !in.empty()) {
    return Corruption("malformed record body");
  }
  e.stream = stream;
  e.type = type;
  e.metadata = metadata;
  e.payload = payload;
  return e;
}

}  // namespace orgledger::eventstore
