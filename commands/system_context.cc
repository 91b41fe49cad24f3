#include "commands/system_context.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "base/base64url.h"
#include "eventstore/event_store.h"

namespace orgledger::commands {
namespace {

class SystemContext final : public domain::Context {
 public:
  explicit SystemContext(domain::EditionCatalog editions)
      : editions_(std::move(editions)) {}

  domain::Micros Now() const override { return SystemNowMicros(); }
  std::string NewInviteId() override { return "inv_" + RandomBase64Url(16); }
  std::string NewLinkToken() override { return RandomBase64Url(32); }
  std::string HashToken(std::string_view token) const override {
    return Sha256Hex(token);
  }
  const domain::EditionCatalog& editions() const override { return editions_; }

 private:
  const domain::EditionCatalog editions_;
};

}  // namespace

std::shared_ptr<domain::Context> NewSystemContext(
    domain::EditionCatalog editions) {
  return std::make_shared<SystemContext>(std::move(editions));
}

domain::Micros SystemNowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         digest);
  return eventstore::BytesToHex(std::string_view(
      reinterpret_cast<const char*>(digest), SHA256_DIGEST_LENGTH));
}

std::string RandomBase64Url(std::size_t n) {
  std::vector<unsigned char> bytes(n);
  if (RAND_bytes(bytes.data(), static_cast<int>(n)) != 1) {
    std::fprintf(stderr, "orgledger: the CSPRNG failed; aborting\n");
    std::abort();
  }
  return Base64UrlEncode(std::string_view(
      reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace orgledger::commands
