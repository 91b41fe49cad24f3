// Signed anchors: a log head (position, chain hash, time) signed with the
// operator's Ed25519 key, so that an auditor holding the public key knows
// the anchor came from the operator and the log still extends it.
//
// What is signed is the line
//   "orgledger-anchor-v1 <position> <hash hex> <time> <key fingerprint>"
// and a key's fingerprint is "sha256:" + the hex SHA-256 of its raw 32-byte
// public key.
#ifndef ORGLEDGER_TOOLS_ANCHOR_SIGNED_ANCHOR_H_
#define ORGLEDGER_TOOLS_ANCHOR_SIGNED_ANCHOR_H_

#include <cstdint>
#include <optional>
#include <string>

#include "base/result.h"

namespace orgledger::anchor {

struct SignedAnchor {
  std::uint64_t position = 0;
  std::string hash;       // the record's chain hash, hex
  std::string time;       // RFC 3339, when it was signed
  std::string key;        // the signing key's fingerprint
  std::string signature;  // Ed25519, hex
};

// A new key pair: the private key (PEM, PKCS #8) to `path`, created in one
// step (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600, fsync), and the public key
// (PEM) to `path` + ".pub", mode 0644. Returns the fingerprint.
// kInvalidArgument naming the file when either exists or cannot be made.
Result<std::string> GenerateKeyPair(const std::string& path);

// `position` and `hash` signed now with the private key in `key_path`,
// which only its owner may read. kInvalidArgument naming the file when it
// is not such a key.
Result<SignedAnchor> Sign(std::uint64_t position, const std::string& hash,
                          const std::string& time, const std::string& key_path);

// nullopt when `anchor` was signed by the key in `public_key_path`, else
// the problem in words (another key signed it; the signature does not
// verify: the anchor was altered or forged). kInvalidArgument when the
// file holds no Ed25519 public key.
Result<std::optional<std::string>> CheckSignature(
    const SignedAnchor& anchor, const std::string& public_key_path);

// One line of JSON, and back (kInvalidArgument naming what is wrong).
std::string ToJson(const SignedAnchor& anchor);
Result<SignedAnchor> FromJson(const std::string& text);

}  // namespace orgledger::anchor

#endif  // ORGLEDGER_TOOLS_ANCHOR_SIGNED_ANCHOR_H_
