// Two-factor sign-in: TOTP (identity/totp.h) with single-use recovery codes.
//
// Enrolment is two steps: Enrol() makes a secret (shown once as a URI and QR code),
// Confirm() proves the app has it with a first code and turns MFA on, answering ten
// recovery codes (shown once, stored as hashes). A code is accepted for the current
// 30-second step and one either side, and never twice: a step once used, and every
// step before it, is refused (replay). Each recovery code works once.
//
// Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "security/principal.h"
#include "storage/database.h"

namespace rapport::identity {

struct Enrolment {
  std::string secret;       // base32, for typing into an app
  std::string otpauth_uri;  // for a QR code
  std::string qr_svg;       // that QR code
};

inline constexpr int kRecoveryCodes = 10;

class Mfa {
 public:
  Mfa(storage::Database& db, const Clock& clock = SystemClock::Instance());

  // kFailedPrecondition if MFA is already on (disable it first).
  Result<Enrolment> Enrol(const security::Principal& principal, const std::string& account, const std::string& issuer);
  // Turns MFA on with a first code; kValidationFailed (field `code`) if it is wrong.
  Result<std::vector<std::string>> Confirm(const security::Principal& principal, const std::string& code);
  // Turns MFA off; needs a current code or a recovery code.
  Status Disable(const security::Principal& principal, const std::string& code);

  // Within the caller's transaction:
  static Result<bool> Enabled(storage::Connection& c, const std::string& tenant_id, const std::string& user_id);
  // Accepts (and uses up) a TOTP code or a recovery code; kUnauthenticated otherwise.
  Status Verify(storage::Connection& c, const std::string& tenant_id, const std::string& user_id,
                const std::string& code);

 private:
  storage::Database& db_;
  const Clock& clock_;
};

}  // namespace rapport::identity
