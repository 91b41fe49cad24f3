#include "domain/validation.h"

#include <vector>

namespace orgledger::domain {
namespace {

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
         c == '@' || c == '+' || c == '-';
}

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9');
}

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

Status Invalid(std::string_view field, const std::string& what) {
  return InvalidArgument(std::string(field) + ": " + what);
}

// Decodes one UTF-8 code point at `*i`; false when malformed (overlong,
// surrogate, beyond U+10FFFF, truncated).
bool NextCodePoint(std::string_view s, std::size_t* i, char32_t* cp) {
  auto b = static_cast<unsigned char>(s[*i]);
  int len;
  char32_t v;
  if (b < 0x80) {
    len = 1;
    v = b;
  } else if ((b & 0xE0) == 0xC0) {
    len = 2;
    v = b & 0x1F;
  } else if ((b & 0xF0) == 0xE0) {
    len = 3;
    v = b & 0x0F;
  } else if ((b & 0xF8) == 0xF0) {
    len = 4;
    v = b & 0x07;
  } else {
    return false;
  }
  if (*i + len > s.size()) return false;
  for (int k = 1; k < len; ++k) {
    auto c = static_cast<unsigned char>(s[*i + k]);
    if ((c & 0xC0) != 0x80) return false;
    v = (v << 6) | (c & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < kMin[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
    return false;
  }
  *i += len;
  *cp = v;
  return true;
}

bool IsControl(char32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
}

// Unicode's general category Cf (format: invisible, or steering the
// direction of text), as of Unicode 15: two strings that differ only by
// these look the same to a person (SPEC §1.1).
bool IsFormat(char32_t cp) {
  struct Range {
    char32_t first, last;
  };
  static constexpr Range kCf[] = {
      {0x00AD, 0x00AD},   {0x0600, 0x0605},   {0x061C, 0x061C},
      {0x06DD, 0x06DD},   {0x070F, 0x070F},   {0x0890, 0x0891},
      {0x08E2, 0x08E2},   {0x180E, 0x180E},   {0x200B, 0x200F},
      {0x202A, 0x202E},   {0x2060, 0x2064},   {0x2066, 0x206F},
      {0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFB},   {0x110BD, 0x110BD},
      {0x110CD, 0x110CD}, {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3},
      {0x1D173, 0x1D17A}, {0xE0001, 0xE0001}, {0xE0020, 0xE007F},
  };
  for (const Range& r : kCf) {
    if (cp >= r.first && cp <= r.last) return true;
  }
  return false;
}

bool Luhn(const std::vector<int>& digits, std::size_t begin, std::size_t n) {
  int sum = 0;
  for (std::size_t k = 0; k < n; ++k) {
    int d = digits[begin + n - 1 - k];
    if (k % 2 == 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 == 0;
}

// A chain: digit groups joined by single spaces or dashes ("4111 1111 ...").
// Candidates are the whole groups and every sequence of adjacent groups of
// 12-19 digits in all; a group is never split, so a 16-digit id that fails
// Luhn is not a card because some 12 of its digits pass. Only a group longer
// than 19 digits (no card by itself) is searched window by window, so that
// a card glued to other digits is still caught.
bool ChainHoldsCard(const std::vector<int>& digits,
                    const std::vector<std::size_t>& group_starts) {
  const std::size_t groups = group_starts.size();
  auto group_end = [&](std::size_t g) {
    return g + 1 < groups ? group_starts[g + 1] : digits.size();
  };
  for (std::size_t first = 0; first < groups; ++first) {
    const std::size_t begin = group_starts[first];
    if (group_end(first) - begin > 19) {
      const std::size_t n = group_end(first) - begin;
      for (std::size_t len = 12; len <= 19; ++len) {
        for (std::size_t b = begin; b + len <= begin + n; ++b) {
          if (Luhn(digits, b, len)) return true;
        }
      }
      continue;
    }
    for (std::size_t last = first; last < groups; ++last) {
      const std::size_t n = group_end(last) - begin;
      if (n > 19) break;
      if (n >= 12 && Luhn(digits, begin, n)) return true;
    }
  }
  return false;
}

}  // namespace

Status ValidateId(std::string_view field, std::string_view value) {
  if (value.empty() || value.size() > 128) {
    return Invalid(field, "must be 1-128 characters");
  }
  for (char c : value) {
    if (!IsIdChar(c)) {
      return Invalid(field, "may contain only letters, digits and . _ : @ + -");
    }
  }
  return Status::Ok();
}

Status ValidateSlug(std::string_view field, std::string_view value) {
  if (value.empty() || value.size() > 100) {
    return Invalid(field, "must be 1-100 characters");
  }
  if (!IsAlnum(value[0])) {
    return Invalid(field, "must start with a letter or digit");
  }
  for (char c : value) {
    if (!IsAlnum(c) && c != '.' && c != '_' && c != '-') {
      return Invalid(field, "may contain only letters, digits and . _ -");
    }
  }
  return Status::Ok();
}

Result<std::string> ValidateEmail(std::string_view field,
                                  std::string_view value) {
  while (!value.empty() && IsAsciiSpace(value.front())) value.remove_prefix(1);
  while (!value.empty() && IsAsciiSpace(value.back())) value.remove_suffix(1);
  if (value.empty() || value.size() > 254) {
    return Invalid(field, "must be an email address of at most 254 characters");
  }
  std::size_t at = value.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == value.size() ||
      value.find('@', at + 1) != std::string_view::npos) {
    return Invalid(field,
                   "must have one @ with a non-empty local part and domain");
  }
  std::size_t i = 0;
  while (i < value.size()) {
    char32_t cp;
    if (!NextCodePoint(value, &i, &cp)) return Invalid(field, "is not UTF-8");
    if (IsControl(cp) || cp == ' ' || cp == 0xA0 || cp == 0x2028 ||
        cp == 0x2029 || cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200A)) {
      return Invalid(field, "may not contain whitespace or control characters");
    }
    if (IsFormat(cp)) {
      return Invalid(field,
                     "may not contain invisible or bidirectional formatting "
                     "characters (such as U+200B or U+202E)");
    }
  }
  return std::string(value);
}

std::string NormalizeEmail(std::string_view email) {
  while (!email.empty() && IsAsciiSpace(email.front())) email.remove_prefix(1);
  while (!email.empty() && IsAsciiSpace(email.back())) email.remove_suffix(1);
  std::string out(email);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Status ValidateFreeText(std::string_view field, std::string_view value,
                        std::size_t max_chars) {
  std::size_t chars = 0;
  std::size_t i = 0;
  while (i < value.size()) {
    char32_t cp;
    if (!NextCodePoint(value, &i, &cp)) return Invalid(field, "is not UTF-8");
    if (IsControl(cp)) {
      return Invalid(field, "may not contain control characters");
    }
    if (IsFormat(cp)) {
      return Invalid(field,
                     "may not contain invisible or bidirectional formatting "
                     "characters (such as U+200B or U+202E)");
    }
    chars += 1;
  }
  if (chars == 0 || chars > max_chars) {
    return Invalid(field,
                   "must be 1-" + std::to_string(max_chars) + " characters");
  }
  if (ContainsCardNumber(value)) {
    return Invalid(field,
                   "looks like a card number; card numbers are never "
                   "accepted (send the payment processor's token)");
  }
  return Status::Ok();
}

bool ContainsCardNumber(std::string_view text) {
  std::vector<int> digits;
  std::vector<std::size_t> group_starts;
  bool in_group = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      if (!in_group) group_starts.push_back(digits.size());
      digits.push_back(c - '0');
      in_group = true;
    } else if ((c == ' ' || c == '-') && in_group) {
      in_group = false;  // one separator may stand between groups
    } else {
      if (ChainHoldsCard(digits, group_starts)) return true;
      digits.clear();
      group_starts.clear();
      in_group = false;
    }
  }
  return ChainHoldsCard(digits, group_starts);
}

namespace {

Status ValidateRequestToken(std::string_view field, std::string_view value) {
  if (value.empty() || value.size() > 128) {
    return Invalid(field, "must be 1-128 characters");
  }
  for (char c : value) {
    if (c < 0x20 || c > 0x7E) return Invalid(field, "must be printable ASCII");
  }
  return Status::Ok();
}

}  // namespace

Status ValidateIdempotencyKey(std::string_view value) {
  return ValidateRequestToken("idempotency_key", value);
}

Status ValidateCorrelationId(std::string_view value) {
  if (Status s = ValidateRequestToken("correlation_id", value); !s.ok()) {
    return s;
  }
  if (ContainsCardNumber(value)) {
    return Invalid("correlation_id", "must not contain a card number");
  }
  return Status::Ok();
}

}  // namespace orgledger::domain
