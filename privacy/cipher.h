// A personal field sealed with its person's key (docs/format.md, "Sealed
// fields"): AES-256-GCM, a fresh 96-bit nonce per field, the field's kind
// and key id authenticated with it.
//
//   sealed := 0x00 'P' 0x01 kind:u8 key_id:16 nonce:12 ciphertext tag:16
//
// A sealed value takes the place of the plaintext in the same string field
// of an event or outcome, so encodings keep their layout. No plaintext the
// engine accepts starts with a NUL byte, so the two never look alike.
#ifndef ORGLEDGER_PRIVACY_CIPHER_H_
#define ORGLEDGER_PRIVACY_CIPHER_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace orgledger::privacy {

using KeyId = std::array<std::uint8_t, 16>;
using KeyBytes = std::array<std::uint8_t, 32>;

// What a sealed field was, for what it reads as once its key is gone.
enum class FieldKind : std::uint8_t {
  kEmail = 'e',  // erased: ""
  kName = 'n',   // erased: "[erased]"
  kText = 't',   // free text that may name the person; erased: "[erased]"
};

inline constexpr char kErasedName[] = "[erased]";

// What a field of `kind` reads as when its person was erased.
std::string ErasedValue(FieldKind kind);

// Random bytes from OpenSSL; kInternal when it has none to give.
Result<KeyId> NewKeyId();
Result<KeyBytes> NewKey();

// Whether `value` is a sealed field (it starts like one).
bool IsSealed(std::string_view value);

struct SealedHeader {
  FieldKind kind = FieldKind::kText;
  KeyId key_id{};
};
// The kind and key id of a sealed field; nullopt when it is not one.
std::optional<SealedHeader> ReadHeader(std::string_view sealed);

Result<std::string> Seal(const KeyBytes& key, const KeyId& id, FieldKind kind,
                         std::string_view plaintext);
// The plaintext; kCorruption when the field does not decrypt under `key`
// (damaged, or sealed with another key).
Result<std::string> Open(const KeyBytes& key, std::string_view sealed);

}  // namespace orgledger::privacy

#endif  // ORGLEDGER_PRIVACY_CIPHER_H_
