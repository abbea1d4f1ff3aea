// Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP): HMAC-SHA1, 30-second
// steps, 6 digits, which is what every authenticator app understands. Plus the
// enrolment helpers: base32 secrets (RFC 4648), the otpauth:// URI and its QR code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"

namespace rapport::identity {

inline constexpr int64_t kTotpStepSeconds = 30;

// The step a moment falls in (Unix time / 30 s).
int64_t TotpStep(Micros now);
// The 6-digit code for `secret` (raw bytes) at `step`, zero-padded.
std::string TotpCode(std::string_view secret, int64_t step);

std::string Base32Encode(std::string_view bytes);
// Accepts upper or lower case, spaces and missing padding; nullopt if invalid.
std::optional<std::string> Base32Decode(std::string_view text);

// otpauth://totp/<issuer>:<account>?secret=...&issuer=...&algorithm=SHA1&digits=6&period=30
std::string OtpauthUri(std::string_view issuer, std::string_view account, std::string_view secret_base32);

// The QR code of `text` as a standalone SVG document (black modules on white, with the
// quiet zone). Empty if the text is too long for a QR code.
std::string QrSvg(std::string_view text);

}  // namespace rapport::identity
