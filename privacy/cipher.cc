#include "privacy/cipher.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <memory>

namespace orgledger::privacy {
namespace {

constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;
// 0x00 'P' version kind
constexpr std::size_t kPrefixBytes = 4;
constexpr std::size_t kHeaderBytes = kPrefixBytes + sizeof(KeyId);
constexpr std::size_t kOverhead = kHeaderBytes + kNonceBytes + kTagBytes;
constexpr char kVersion = 0x01;

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

// Fetched once: an implicit fetch (EVP_aes_256_gcm() in an init) looks the
// provider up on every call, which cost more than the sealing itself.
const EVP_CIPHER* Aes256Gcm() {
  static EVP_CIPHER* const cipher =
      EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}

// One context per thread, reset by every init: no allocation per field.
EVP_CIPHER_CTX* ThreadCtx() {
  thread_local Ctx ctx(EVP_CIPHER_CTX_new());
  return ctx.get();
}

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* U(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

template <std::size_t N>
Result<std::array<std::uint8_t, N>> RandomArray() {
  std::array<std::uint8_t, N> out{};
  if (RAND_bytes(out.data(), static_cast<int>(N)) != 1) {
    return Internal("the system has no random bytes to give");
  }
  return out;
}

}  // namespace

std::string ErasedValue(FieldKind kind) {
  return kind == FieldKind::kEmail ? std::string() : std::string(kErasedName);
}

Result<KeyId> NewKeyId() { return RandomArray<sizeof(KeyId)>(); }
Result<KeyBytes> NewKey() { return RandomArray<sizeof(KeyBytes)>(); }

bool IsSealed(std::string_view value) {
  return value.size() >= 2 && value[0] == '\0' && value[1] == 'P';
}

std::optional<SealedHeader> ReadHeader(std::string_view sealed) {
  if (!IsSealed(sealed) || sealed.size() < kOverhead || sealed[2] != kVersion) {
    return std::nullopt;
  }
  const auto kind = static_cast<FieldKind>(sealed[3]);
  if (kind != FieldKind::kEmail && kind != FieldKind::kName &&
      kind != FieldKind::kText) {
    return std::nullopt;
  }
  SealedHeader h;
  h.kind = kind;
  std::copy_n(U(sealed) + kPrefixBytes, h.key_id.size(), h.key_id.begin());
  return h;
}

Result<std::string> Seal(const KeyBytes& key, const KeyId& id, FieldKind kind,
                         std::string_view plaintext) {
  Result<std::array<std::uint8_t, kNonceBytes>> nonce =
      RandomArray<kNonceBytes>();
  if (!nonce.ok()) return nonce.status();
  std::string out;
  out.reserve(kOverhead + plaintext.size());
  out.push_back('\0');
  out.push_back('P');
  out.push_back(kVersion);
  out.push_back(static_cast<char>(kind));
  out.append(reinterpret_cast<const char*>(id.data()), id.size());
  out.append(reinterpret_cast<const char*>(nonce->data()), nonce->size());
  const std::size_t body_at = out.size();
  out.resize(body_at + plaintext.size() + kTagBytes);

  EVP_CIPHER_CTX* ctx = ThreadCtx();
  int n = 0;
  // The header is authenticated: a field cannot be moved to another kind
  // or claim another key.
  const bool ok = ctx != nullptr && Aes256Gcm() != nullptr &&
                  EVP_EncryptInit_ex2(ctx, Aes256Gcm(), key.data(),
                                      nonce->data(), nullptr) == 1 &&
                  EVP_EncryptUpdate(ctx, nullptr, &n, U(out),
                                    static_cast<int>(kHeaderBytes)) == 1 &&
                  EVP_EncryptUpdate(ctx, U(out) + body_at, &n, U(plaintext),
                                    static_cast<int>(plaintext.size())) == 1 &&
                  EVP_EncryptFinal_ex(ctx, U(out) + body_at + n, &n) == 1 &&
                  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes,
                                      U(out) + body_at + plaintext.size()) == 1;
  if (!ok) return Internal("AES-256-GCM failed to seal a field");
  return out;
}

Result<std::string> Open(const KeyBytes& key, std::string_view sealed) {
  if (!ReadHeader(sealed).has_value()) {
    return Corruption("not a sealed field");
  }
  const std::string_view nonce = sealed.substr(kHeaderBytes, kNonceBytes);
  const std::string_view body =
      sealed.substr(kHeaderBytes + kNonceBytes, sealed.size() - kOverhead);
  std::string tag(sealed.substr(sealed.size() - kTagBytes));
  std::string out(body.size(), '\0');
  EVP_CIPHER_CTX* ctx = ThreadCtx();
  int n = 0;
  const bool ok =
      ctx != nullptr && Aes256Gcm() != nullptr &&
      EVP_DecryptInit_ex2(ctx, Aes256Gcm(), key.data(), U(nonce), nullptr) ==
          1 &&
      EVP_DecryptUpdate(ctx, nullptr, &n, U(sealed),
                        static_cast<int>(kHeaderBytes)) == 1 &&
      EVP_DecryptUpdate(ctx, U(out), &n, U(body),
                        static_cast<int>(body.size())) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes, U(tag)) == 1 &&
      EVP_DecryptFinal_ex(ctx, U(out) + n, &n) == 1;
  if (!ok) return Corruption("a sealed field does not open with its key");
  return out;
}

}  // namespace orgledger::privacy
