// Mail Rapport sends (scheduled reports): a message with attachments, rendered as
// MIME (RFC 5322 / RFC 2045), and a mailer that hands it to an SMTP server through
// libcurl. Nothing here knows what the mail is about.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/time.h"

namespace rapport::mail {

struct Address {
  std::string email;
  std::string name;  // may be empty
};

struct Attachment {
  std::string filename;      // "Pipeline 2026-11-26.xlsx"
  std::string content_type;  // "text/csv; charset=utf-8"
  std::string bytes;
};

struct Message {
  Address from;
  std::vector<Address> to;
  std::string subject;
  std::string text;  // the plain-text body, UTF-8
  std::vector<Attachment> attachments;
};

// Whether `email` is an address a message may name: one @, no spaces, quotes, angle
// brackets or line breaks (nothing that could add a header or a recipient).
bool IsMailAddress(std::string_view email);

// The message as sent: headers (non-ASCII ones encoded as RFC 2047 words), then a
// multipart/mixed body of the text and each attachment in base64, lines ending CRLF.
// Fails for an address IsMailAddress refuses.
Result<std::string> Render(const Message& message, Micros now);

class Mailer {
 public:
  virtual ~Mailer() = default;
  virtual Status Send(const Message& message) = 0;
};

struct SmtpOptions {
  // smtp://host:port (STARTTLS when the server offers it, required with
  // `require_tls`), or smtps://host:port (TLS from the start).
  std::string url;
  std::string username;  // empty: no authentication
  std::string password;
  Address from;
  bool require_tls = false;
  int timeout_seconds = 30;
};

// Fails for a URL that is not smtp:// or smtps:// or a bad sender address.
Result<std::unique_ptr<Mailer>> SmtpMailer(SmtpOptions options, const Clock& clock = SystemClock::Instance());

}  // namespace rapport::mail
