#include "tools/mail/smtp.h"

#include <curl/curl.h>

#include <cstring>
#include <memory>
#include <mutex>

#include "tools/mail/message.h"

namespace orgledger::mail {
namespace {

// libcurl's global state, once per process, before any thread uses it.
void InitCurl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Upload {
  const std::string* data;
  std::size_t at = 0;
};

std::size_t ReadUpload(char* out, std::size_t size, std::size_t n, void* u) {
  auto* upload = static_cast<Upload*>(u);
  const std::size_t left = upload->data->size() - upload->at;
  const std::size_t count = std::min(left, size * n);
  std::memcpy(out, upload->data->data() + upload->at, count);
  upload->at += count;
  return count;
}

}  // namespace

Status CheckSmtpOptions(const SmtpOptions& o) {
  if (!o.url.starts_with("smtp://") && !o.url.starts_with("smtps://")) {
    return InvalidArgument(
        "--smtp must be an smtp:// URL (STARTTLS when the server offers it) "
        "or an smtps:// one (TLS from the start), not " +
        o.url);
  }
  if (!SafeAddress(o.from)) {
    return InvalidArgument("--mail-from must be one email address, not \"" +
                           o.from + "\"");
  }
  return Status::Ok();
}

SendResult SendSmtp(const SmtpOptions& o, const std::string& to,
                    const std::string& message) {
  InitCurl();
  SendResult result;
  if (!SafeAddress(to)) {
    result.kind = SendResult::Kind::kPermanent;
    result.detail = "the address cannot be written in an SMTP command";
    return result;
  }
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(),
                                              curl_easy_cleanup);
  if (curl == nullptr) {
    result.detail = "libcurl could not start";
    return result;
  }
  const std::string from = "<" + o.from + ">";
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> rcpt(
      curl_slist_append(nullptr, ("<" + to + ">").c_str()),
      curl_slist_free_all);
  Upload upload{&message};
  char error[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, o.url.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadUpload);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
                   static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(o.timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(o.timeout.count()));
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  if (o.url.starts_with("smtp://")) {
    curl_easy_setopt(c, CURLOPT_USE_SSL,
                     o.tls_required ? static_cast<long>(CURLUSESSL_ALL)
                                    : static_cast<long>(CURLUSESSL_TRY));
  }
  if (!o.ca_file.empty())
    curl_easy_setopt(c, CURLOPT_CAINFO, o.ca_file.c_str());
  if (!o.user.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, o.user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, o.password.c_str());
  }
  const CURLcode rc = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  result.smtp_code = static_cast<int>(code);
  if (rc == CURLE_OK) {
    result.kind = SendResult::Kind::kSent;
    return result;
  }
  result.detail = error[0] != '\0' ? error : curl_easy_strerror(rc);
  if (rc == CURLE_USE_SSL_FAILED) {
    result.detail +=
        " (the server does not offer STARTTLS, and --smtp-tls required "
        "refuses to send without it)";
  }
  if (code != 0) result.detail += " (SMTP " + std::to_string(code) + ")";
  result.kind = code >= 500 && code < 600 ? SendResult::Kind::kPermanent
                                          : SendResult::Kind::kTransient;
  return result;
}

}  // namespace orgledger::mail
