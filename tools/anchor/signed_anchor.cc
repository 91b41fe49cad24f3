#include "tools/anchor/signed_anchor.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <memory>

#include "base/private_file.h"
#include "eventstore/event_store.h"
#include "tools/wire/strict_json.h"

namespace orgledger::anchor {
namespace {

namespace json = boost::json;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Bio = std::unique_ptr<BIO, BioFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// Reads a key file: the private one only if no one but its owner may read it.
Result<std::string> ReadKeyFile(const std::string& path, bool secret) {
  Result<std::optional<std::string>> read =
      ReadPrivateFile(path, {path, "a private key", secret, 1 << 16});
  if (!read.ok()) return read.status();
  if (!read->has_value()) {
    return InvalidArgument(path + ": cannot open it: no such file");
  }
  return std::move(**read);
}

Status WriteNew(const std::string& path, const std::string& text, mode_t mode) {
  Status s = CreatePrivateFile(path, path, text, mode);
  if (s.code() == Code::kAlreadyExists) {
    return InvalidArgument(path + " exists: a key is never overwritten");
  }
  return s.ok() ? s : InvalidArgument(s.message());
}

// The Ed25519 key in the PEM file `path`: private (a file only its owner
// may read) or public.
Result<Pkey> LoadKey(const std::string& path, bool private_key) {
  Result<std::string> pem = ReadKeyFile(path, private_key);
  if (!pem.ok()) return pem.status();
  Bio bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  Pkey key(private_key
               ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
               : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (key == nullptr || !EVP_PKEY_is_a(key.get(), "ED25519")) {
    return InvalidArgument(
        path + (private_key ? " holds no Ed25519 private key (make one with "
                              "orgledger keygen --out FILE)"
                            : " holds no Ed25519 public key (the .pub file of "
                              "orgledger keygen)"));
  }
  return key;
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

Result<std::string> Fingerprint(EVP_PKEY* key) {
  unsigned char raw[64];
  std::size_t raw_len = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(key, raw, &raw_len) != 1) {
    return Status(Code::kInternal, "cannot read the public key");
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (EVP_Digest(raw, raw_len, digest, &digest_len, EVP_sha256(), nullptr) !=
      1) {
    return Status(Code::kInternal, "SHA-256 failed");
  }
  return "sha256:" + eventstore::BytesToHex(std::string_view(
                         reinterpret_cast<const char*>(digest), digest_len));
}

std::string SignedText(const SignedAnchor& a) {
  return "orgledger-anchor-v1 " + std::to_string(a.position) + " " + a.hash +
         " " + a.time + " " + a.key;
}

std::optional<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]);
    const int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

}  // namespace

Result<std::string> GenerateKeyPair(const std::string& path) {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (key == nullptr) return Status(Code::kInternal, "Ed25519 keygen failed");
  Bio priv(BIO_new(BIO_s_mem()));
  Bio pub(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(priv.get(), key.get(), nullptr, nullptr, 0,
                               nullptr, nullptr) != 1 ||
      PEM_write_bio_PUBKEY(pub.get(), key.get()) != 1) {
    return Status(Code::kInternal, "cannot encode the key pair");
  }
  const std::string pub_path = path + ".pub";
  struct stat st {};
  if (::lstat(pub_path.c_str(), &st) == 0) {
    return InvalidArgument(pub_path + " exists: a key is never overwritten");
  }
  if (Status s = WriteNew(path, BioText(priv.get()), 0600); !s.ok()) return s;
  if (Status s = WriteNew(pub_path, BioText(pub.get()), 0644); !s.ok()) {
    ::unlink(path.c_str());
    return s;
  }
  return Fingerprint(key.get());
}

Result<SignedAnchor> Sign(std::uint64_t position, const std::string& hash,
                          const std::string& time,
                          const std::string& key_path) {
  Result<Pkey> key = LoadKey(key_path, /*private_key=*/true);
  if (!key.ok()) return key.status();
  SignedAnchor a{position, hash, time, "", ""};
  Result<std::string> fingerprint = Fingerprint(key->get());
  if (!fingerprint.ok()) return fingerprint.status();
  a.key = *fingerprint;
  const std::string text = SignedText(a);
  MdCtx ctx(EVP_MD_CTX_new());
  unsigned char signature[64];
  std::size_t signature_len = sizeof signature;
  if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key->get()) !=
          1 ||
      EVP_DigestSign(ctx.get(), signature, &signature_len,
                     reinterpret_cast<const unsigned char*>(text.data()),
                     text.size()) != 1) {
    return Status(Code::kInternal, "Ed25519 signing failed");
  }
  a.signature = eventstore::BytesToHex(std::string_view(
      reinterpret_cast<const char*>(signature), signature_len));
  return a;
}

Result<std::optional<std::string>> CheckSignature(
    const SignedAnchor& anchor, const std::string& public_key_path) {
  Result<Pkey> key = LoadKey(public_key_path, /*private_key=*/false);
  if (!key.ok()) return key.status();
  Result<std::string> fingerprint = Fingerprint(key->get());
  if (!fingerprint.ok()) return fingerprint.status();
  if (*fingerprint != anchor.key) {
    return std::optional<std::string>("the anchor names the key " + anchor.key +
                                      ", not " + public_key_path + " (" +
                                      *fingerprint + ")");
  }
  const std::optional<std::string> signature = FromHex(anchor.signature);
  const std::string text = SignedText(anchor);
  MdCtx ctx(EVP_MD_CTX_new());
  const bool good =
      signature.has_value() &&
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key->get()) ==
          1 &&
      EVP_DigestVerify(
          ctx.get(), reinterpret_cast<const unsigned char*>(signature->data()),
          signature->size(),
          reinterpret_cast<const unsigned char*>(text.data()),
          text.size()) == 1;
  if (!good) {
    return std::optional<std::string>(
        "the signature does not verify with " + public_key_path +
        ": the anchor was altered, or not signed by this key");
  }
  return std::optional<std::string>();
}

std::string ToJson(const SignedAnchor& a) {
  return json::serialize(json::object{{"position", a.position},
                                      {"hash", a.hash},
                                      {"time", a.time},
                                      {"key", a.key},
                                      {"signature", a.signature}});
}

Result<SignedAnchor> FromJson(const std::string& text) {
  constexpr char kShape[] =
      "a signed anchor is {\"position\", \"hash\", \"time\", \"key\", "
      "\"signature\"} (orgledger head --sign KEY)";
  Result<json::value> parsed = wire::ParseStrictJson(text);
  if (!parsed.ok()) {
    return InvalidArgument(std::string(kShape) + ": " +
                           parsed.status().message());
  }
  const json::object* o = parsed->if_object();
  if (o == nullptr || o->size() != 5) return InvalidArgument(kShape);
  SignedAnchor a;
  const json::value* position = o->if_contains("position");
  if (position == nullptr || !position->is_int64() ||
      position->as_int64() <= 0) {
    return InvalidArgument(kShape);
  }
  a.position = static_cast<std::uint64_t>(position->as_int64());
  for (auto [name, field] :
       {std::pair{"hash", &a.hash}, std::pair{"time", &a.time},
        std::pair{"key", &a.key}, std::pair{"signature", &a.signature}}) {
    const json::value* v = o->if_contains(name);
    if (v == nullptr || !v->is_string()) return InvalidArgument(kShape);
    *field = std::string(v->as_string());
  }
  return a;
}

}  // namespace orgledger::anchor
