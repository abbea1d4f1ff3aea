#include "security/policy.h"

namespace rapport::security {

Status Policy::CheckObject(const Principal& principal, const metadata::ObjectDef& object,
                           Operation op) const {
  (void)object;
  if (op == Operation::kManageMetadata && !principal.is_admin) {
    return Fail(ErrorCode::kPermissionDenied, "Only administrators can change objects and fields.");
  }
  return Ok();
}

std::optional<std::string> Policy::RowPredicate(const Principal&, const metadata::ObjectDef&) const {
  return std::nullopt;
}

}  // namespace rapport::security
