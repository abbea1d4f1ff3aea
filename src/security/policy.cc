#include "security/policy.h"

namespace rapport::security {

namespace {

// Users and teams are the organisation itself: who may sign in and with what role.
bool IsOrganisation(const metadata::ObjectDef& object) { return object.name == "users" || object.name == "teams"; }

}  // namespace

Status Policy::CheckObject(const Principal& principal, const metadata::ObjectDef& object,
                           Operation op) const {
  if (principal.read_only && op != Operation::kRead) {
    return Fail(ErrorCode::kPermissionDenied, "This API token is read-only.");
  }
  if (IsOrganisation(object) && op != Operation::kRead && !principal.is_admin) {
    return Fail(ErrorCode::kPermissionDenied,
                "Only administrators can change users and teams.");
  }
  return Ok();
}

Status Policy::CheckManageMetadata(const Principal& principal) const {
  if (principal.read_only) return Fail(ErrorCode::kPermissionDenied, "This API token is read-only.");
  if (!principal.is_admin) {
    return Fail(ErrorCode::kPermissionDenied, "Only administrators can change objects and fields.");
  }
  return Ok();
}

bool Policy::AuditsChangesTo(const metadata::ObjectDef& object) const { return IsOrganisation(object); }

Status Policy::CheckReadAudit(const Principal& principal) const {
  if (!principal.is_admin) {
    return Fail(ErrorCode::kPermissionDenied, "Only administrators can read the audit log.");
  }
  return Ok();
}

std::optional<std::string> Policy::RowPredicate(const Principal&, const metadata::ObjectDef&) const {
  return std::nullopt;
}

}  // namespace rapport::security
