#include "core/error.h"

#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

namespace rapport {

Error InvalidField(std::string field, std::string message, std::string code) {
  std::string detail = fmt::format("`{}`: {}", field, message);
  return Error(ErrorCode::kValidationFailed, std::move(detail))
      .WithField(std::move(field), std::move(code), std::move(message));
}


std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kValidationFailed: return "validation_failed";
    case ErrorCode::kUnauthenticated: return "unauthenticated";
    case ErrorCode::kPermissionDenied: return "permission_denied";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kAlreadyExists: return "already_exists";
    case ErrorCode::kVersionMismatch: return "version_mismatch";
    case ErrorCode::kFailedPrecondition: return "failed_precondition";
    case ErrorCode::kPayloadTooLarge: return "payload_too_large";
    case ErrorCode::kUnsupportedMediaType: return "unsupported_media_type";
    case ErrorCode::kResourceExhausted: return "resource_exhausted";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kInternal: return "internal";
  }
  return "unknown";
}

std::string Error::ToString() const {
  std::string out = fmt::format("{}: {}", ErrorCodeName(code_), detail_);
  if (!internal_.empty()) out += fmt::format(" ({})", internal_);
  for (const auto& fe : field_errors_) out += fmt::format("; {}: {}", fe.field, fe.message);
  return out;
}

void CheckFailed(const char* file, int line, const char* condition, std::string_view message) {
  std::fprintf(stderr, "CHECK failed at %s:%d: %s: %.*s\n", file, line, condition,
               static_cast<int>(message.size()), message.data());
  std::abort();
}

}  // namespace rapport
