// libFuzzer target: the JSON request decoder of the wire format (exec and
// serve) and the encoders of its answers.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tools/wire/request.h"
#include "tools/wire/response.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  using namespace orgledger;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<wire::Request> r = wire::DecodeRequest(text);
  if (!r.ok()) {
    (void)wire::ToLine(wire::EncodeError(r.status()));
  }
  (void)wire::DecodeEditions(text);
  return 0;
}
