#include "security/policy.h"

namespace rapport::security {

Status Policy::CheckObject(const Principal& principal, const metadata::ObjectDef& object,
                           Operation op) const {
  if (principal.read_only && op != Operation::kRead) {
    return Fail(ErrorCode::kPermissionDenied, "This API token is read-only.");
  }
  bool organisation = object.name == "users" || object.name == "teams";
  if (organisation && op != Operation::kRead && !principal.is_admin) {
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
