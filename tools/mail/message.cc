#include "tools/mail/message.h"

#include <ctime>

namespace orgledger::mail {
namespace {

std::string RoleWords(const std::string& role) {
  if (role == "billing_manager") return "a Billing Manager";
  if (role == "admin") return "an admin";
  return "a member";
}

// RFC 5322 date-time in UTC: "Thu, 03 Dec 2026 07:40:00 +0000".
std::string MailDate(std::int64_t micros) {
  const std::time_t t = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char out[64];
  std::strftime(out, sizeof out, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return out;
}

// The domain of `from`, for the Message-ID.
std::string DomainOf(const std::string& address) {
  const std::size_t at = address.rfind('@');
  return at == std::string::npos ? "orgledger.invalid" : address.substr(at + 1);
}

}  // namespace

std::string PublicUrl(const std::string& public_url, const std::string& path) {
  std::string base = public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + path;
}

std::string InviteUrl(const std::string& public_url,
                      const projections::InviteEmail& email) {
  return PublicUrl(public_url,
                   "/orgs/" + email.org + "/invites/" + email.invite_id);
}

bool SafeAddress(const std::string& address) {
  std::size_t ats = 0;
  for (unsigned char c : address) {
    if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == ' ') return false;
    if (c == '@') ++ats;
  }
  return ats == 1 && address.front() != '@' && address.back() != '@';
}

std::string InviteMessage(const projections::InviteEmail& email,
                          const std::string& from,
                          const std::string& public_url, std::int64_t now) {
  const std::string url = InviteUrl(public_url, email);
  std::string m;
  m += "Date: " + MailDate(now) + "\r\n";
  m += "From: " + from + "\r\n";
  m += "To: " + email.email + "\r\n";
  m += "Message-ID: <" + email.invite_id + "." +
       std::to_string(email.position) + "@" + DomainOf(from) + ">\r\n";
  m += "Subject: You are invited to join " + email.org + " as " +
       RoleWords(email.role) + "\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: text/plain; charset=utf-8\r\n";
  m += "Content-Transfer-Encoding: 8bit\r\n";
  m += "\r\n";
  m += "You have been invited to join the organization " + email.org + " as " +
       RoleWords(email.role) + ".\r\n\r\n";
  m += "To accept the invitation, open this page and sign in with this "
       "email address (" +
       email.email + "):\r\n\r\n";
  m += url + "\r\n\r\n";
  if (email.role == "billing_manager") {
    m += "The Billing Manager role lets you manage the organization's "
         "billing operations, without any other permission in the "
         "organization.\r\n\r\n";
  }
  m += "If you did not expect this invitation, you can ignore this email.\r\n";
  return m;
}

}  // namespace orgledger::mail
