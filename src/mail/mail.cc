#include "mail/mail.h"

#include <curl/curl.h>
#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include <fmt/format.h>

#include "core/id.h"

namespace rapport::mail {

namespace {

bool Ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return c >= 0x20 && c < 0x7f; });
}

std::string Base64(std::string_view bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

// Base64 in lines of 76 characters (RFC 2045).
std::string Base64Lines(std::string_view bytes) {
  std::string encoded = Base64(bytes), out;
  for (size_t i = 0; i < encoded.size(); i += 76) out += encoded.substr(i, 76) + "\r\n";
  return out;
}

// A header's text: as is when plain ASCII, else RFC 2047 encoded words of whole UTF-8
// characters, each short enough for a line.
std::string HeaderText(std::string_view text) {
  std::string clean;
  for (char c : text) clean += (c == '\r' || c == '\n') ? ' ' : c;
  if (Ascii(clean)) return clean;
  std::string out;
  size_t start = 0;
  while (start < clean.size()) {
    size_t end = std::min(clean.size(), start + 45);
    while (end < clean.size() && (static_cast<unsigned char>(clean[end]) & 0xC0) == 0x80) --end;  // not mid-character
    out += fmt::format("{}=?UTF-8?B?{}?=", out.empty() ? "" : "\r\n ", Base64(clean.substr(start, end - start)));
    start = end;
  }
  return out;
}

std::string AddressText(const Address& a) {
  if (a.name.empty()) return "<" + a.email + ">";
  std::string name = HeaderText(a.name);
  // A plain name goes in quotes (it may hold commas); an encoded one may not.
  if (Ascii(a.name)) {
    std::string quoted;
    for (char c : name) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    name = "\"" + quoted + "\"";
  }
  return name + " <" + a.email + ">";
}

// A filename parameter: RFC 2231 for non-ASCII names, quoted otherwise.
std::string FilenameParameter(std::string_view name) {
  std::string clean;
  for (char c : name) clean += (c == '"' || c == '\\' || c == '\r' || c == '\n' || c == '/') ? '_' : c;
  if (Ascii(clean)) return fmt::format("filename=\"{}\"", clean);
  std::string encoded;
  for (unsigned char c : clean) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_') encoded += static_cast<char>(c);
    else encoded += fmt::format("%{:02X}", c);
  }
  return "filename*=UTF-8''" + encoded;
}

std::string RfcDate(Micros now) {
  static constexpr const char* kDays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};  // 1970-01-01: Thursday
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::string iso = FormatDatetime(now);  // 2026-11-26T09:30:00.000000Z
  int64_t days = now >= 0 ? now / kMicrosPerDay : (now - kMicrosPerDay + 1) / kMicrosPerDay;
  int month = std::stoi(iso.substr(5, 2));
  return fmt::format("{}, {} {} {} {} +0000", kDays[((days % 7) + 7) % 7], std::stoi(iso.substr(8, 2)), kMonths[month - 1],
                     iso.substr(0, 4), iso.substr(11, 8));
}

}  // namespace

bool IsMailAddress(std::string_view email) {
  if (email.empty() || email.size() > 254) return false;
  size_t at = email.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == email.size() || email.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  return std::none_of(email.begin(), email.end(), [](unsigned char c) {
    return c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '"' || c == ',' || c == ';' || c == '\\' ||
           c == '(' || c == ')';
  });
}

Result<std::string> Render(const Message& m, Micros now) {
  if (!IsMailAddress(m.from.email)) return Fail(ErrorCode::kInvalidArgument, fmt::format("`{}` is not a mail address.", m.from.email));
  if (m.to.empty()) return Fail(ErrorCode::kInvalidArgument, "A message needs a recipient.");
  std::string to;
  for (const Address& a : m.to) {
    if (!IsMailAddress(a.email)) return Fail(ErrorCode::kInvalidArgument, fmt::format("`{}` is not a mail address.", a.email));
    to += (to.empty() ? "" : ",\r\n ") + AddressText(a);
  }
  const std::string boundary = "=_rapport_" + NewId();
  const std::string domain = m.from.email.substr(m.from.email.find('@') + 1);
  std::string out;
  out += "From: " + AddressText(m.from) + "\r\n";
  out += "To: " + to + "\r\n";
  out += "Subject: " + HeaderText(m.subject) + "\r\n";
  out += "Date: " + RfcDate(now) + "\r\n";
  out += "Message-ID: <" + NewId() + "@" + domain + ">\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n";
  out += "--" + boundary + "\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  out += Base64Lines(m.text);
  for (const Attachment& a : m.attachments) {
    out += "--" + boundary + "\r\n";
    out += "Content-Type: " + a.content_type + "\r\n";
    out += "Content-Transfer-Encoding: base64\r\n";
    out += "Content-Disposition: attachment; " + FilenameParameter(a.filename) + "\r\n\r\n";
    out += Base64Lines(a.bytes);
  }
  out += "--" + boundary + "--\r\n";
  return out;
}

namespace {

class Smtp final : public Mailer {
 public:
  Smtp(SmtpOptions options, const Clock& clock) : options_(std::move(options)), clock_(clock) {}

  Status Send(const Message& message) override {
    Message m = message;
    m.from = options_.from;
    RAPPORT_ASSIGN_OR_RETURN(std::string data, Render(m, clock_.Now()));
    CURL* curl = curl_easy_init();
    if (!curl) return Fail(ErrorCode::kUnavailable, "Could not start an SMTP client.");
    struct Upload {
      std::string_view rest;
    } upload{data};
    auto read = +[](char* buffer, size_t size, size_t count, void* user) -> size_t {
      auto* u = static_cast<Upload*>(user);
      size_t n = std::min(size * count, u->rest.size());
      std::copy_n(u->rest.data(), n, buffer);
      u->rest.remove_prefix(n);
      return n;
    };
    curl_slist* recipients = nullptr;
    for (const Address& a : m.to) recipients = curl_slist_append(recipients, ("<" + a.email + ">").c_str());
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl, CURLOPT_URL, options_.url.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, ("<" + options_.from.email + ">").c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(data.size()));
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(options_.timeout_seconds));
    curl_easy_setopt(curl, CURLOPT_USE_SSL, options_.require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY);
    if (!options_.username.empty()) {
      curl_easy_setopt(curl, CURLOPT_USERNAME, options_.username.c_str());
      curl_easy_setopt(curl, CURLOPT_PASSWORD, options_.password.c_str());
    }
    CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(recipients);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK) {
      return Fail(Error(ErrorCode::kUnavailable, "The mail server did not take the message.")
                      .WithInternal(fmt::format("smtp {}: {}", curl_easy_strerror(rc), error)));
    }
    return Ok();
  }

 private:
  SmtpOptions options_;
  const Clock& clock_;
};

}  // namespace

Result<std::unique_ptr<Mailer>> SmtpMailer(SmtpOptions options, const Clock& clock) {
  if (!options.url.starts_with("smtp://") && !options.url.starts_with("smtps://")) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("`{}` is not an smtp:// or smtps:// URL.", options.url));
  }
  if (!IsMailAddress(options.from.email)) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("`{}` is not a sender's mail address.", options.from.email));
  }
  static std::once_flag curl_ready;
  std::call_once(curl_ready, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return std::unique_ptr<Mailer>(std::make_unique<Smtp>(std::move(options), clock));
}

}  // namespace rapport::mail
