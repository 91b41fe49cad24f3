#include "tests/testing/fake_context.h"

#include "commands/system_context.h"

namespace orgledger::testing {

std::string FakeContext::NewInviteId() {
  return "inv-" + std::to_string(++ids_);
}

std::string FakeContext::NewLinkToken() {
  return "tok-" + std::to_string(++tokens_) + "-abcdefghijklmnopqrstuv";
}

std::string FakeContext::HashToken(std::string_view token) const {
  return commands::Sha256Hex(token);
}

}  // namespace orgledger::testing
