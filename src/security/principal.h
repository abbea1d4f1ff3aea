// Who is asking. Every call into the record engine carries a Principal; the engine,
// not the caller, decides what it may see and do.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace rapport::security {

struct Principal {
  std::string tenant_id;
  std::string user_id;
  bool is_admin = false;  // may change metadata
  // The engine itself (migrations, demo data, init): full access within tenant_id.
  bool is_system = false;
  // Authenticated by a read-only API token: reads only, whatever the user may do.
  // (Last, so positional initialisers of the fields above keep their meaning.)
  bool read_only = false;
  // Set when the request came with a session cookie (not an API token): that session.
  std::string session_id;
  // A session of a user whose role requires two-factor sign-in they have not set up
  // yet: it may only enrol (and sign out).
  bool must_enrol_mfa = false;
  // An API token limited to these objects (api names); empty: no such limit.
  std::vector<std::string> token_objects;

  static Principal System(std::string tenant_id) {
    return Principal{std::move(tenant_id), std::string(), true, true};
  }
};

// Account and workspace settings (metadata, access, passwords, MFA, tokens, saved
// views) are not record work: an API token that is read-only or limited to some
// objects may not change them, whatever its user may do.
inline Status CheckMayChangeSettings(const Principal& p) {
  if (p.read_only) return Fail(ErrorCode::kPermissionDenied, "This API token is read-only.");
  if (!p.token_objects.empty()) return Fail(ErrorCode::kPermissionDenied, "This API token is limited to records.");
  return Ok();
}

// Something a user saved for themselves and may share with the workspace (a saved
// view, a saved report, a dashboard): its author changes it, and an administrator
// also a shared one.
inline Status CheckMayChangeOwned(const Principal& p, std::string_view owner_id, bool shared, std::string_view what) {
  RAPPORT_TRY(CheckMayChangeSettings(p));
  if (owner_id == p.user_id || (shared && p.is_admin)) return Ok();
  return Fail(ErrorCode::kPermissionDenied,
              std::string("Only the ") + std::string(what) + "'s author (or an administrator, if it is shared) may change it.");
}

}  // namespace rapport::security
