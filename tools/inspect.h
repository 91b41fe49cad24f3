// The auditor's subcommands: head, verify, replay. All read a database
// read-only, also while a server writes it.
#ifndef ORGLEDGER_TOOLS_INSPECT_H_
#define ORGLEDGER_TOOLS_INSPECT_H_

#include <optional>
#include <string>

#include "tools/database.h"

namespace orgledger::tools {

// Prints the head as JSON; signed with the Ed25519 private key in
// `sign_key` when given (tools/anchor/signed_anchor.h).
int RunHead(const Where& where, const std::string& sign_key);

// Makes an Ed25519 key pair for signed anchors: `out` and `out`.pub.
int RunKeygen(const std::string& out);

struct VerifyOptions {
  Where where;
  bool projections = false;
  std::string anchor;  // "POSITION:HASH", empty: none
  // A signed anchor from `head --sign`, and the public key it must be
  // signed with; both or neither.
  std::string anchor_file;
  std::string public_key;
};
int RunVerify(const VerifyOptions& options);

struct ReplayOptions {
  Where where;
  std::string org;
  std::string since;  // RFC 3339
  std::string until;
  std::uint64_t from = 0;
  std::uint64_t to = 0;
  std::string actor;  // a user id or "system:<service>"
  std::string type;
  std::string format = "text";  // or "json"
  bool verify = false;
  // At the end of the log, wait for what is appended next and print it
  // too, until killed (or past `to`).
  bool follow = false;
};
int RunReplay(const ReplayOptions& options);

}  // namespace orgledger::tools

#endif  // ORGLEDGER_TOOLS_INSPECT_H_
