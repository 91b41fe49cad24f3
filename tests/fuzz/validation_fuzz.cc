// libFuzzer target: field validation of SPEC §1.1 and §1.7 (ids, org and
// team slugs, emails, free text and card detection, idempotency keys).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "domain/validation.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  using namespace orgledger::domain;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)ValidateId("id", text);
  (void)ValidateSlug("org", text);
  orgledger::Result<std::string> email = ValidateEmail("email", text);
  if (email.ok()) (void)NormalizeEmail(*email);
  (void)ValidateFreeText("name", text);
  (void)ContainsCardNumber(text);
  (void)ValidateIdempotencyKey(text);
  return 0;
}
