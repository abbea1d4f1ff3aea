// Rapport's closed error vocabulary. Expected failures are values (Result<T>),
// bugs are RAPPORT_CHECK failures, and exceptions never cross a module boundary.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rapport {

enum class ErrorCode : uint8_t {
  kInvalidArgument,     // malformed request, JSON or expression syntax
  kValidationFailed,    // well-formed but breaks field rules; carries field_errors
  kUnauthenticated,     // no or bad credentials
  kPermissionDenied,    // authenticated but not allowed (never for invisible records)
  kNotFound,            // absent, or a record the caller may not see
  kAlreadyExists,       // unique value taken
  kVersionMismatch,     // If-Match / optimistic lock failed
  kFailedPrecondition,  // state forbids it; fix the state before retrying
  kPayloadTooLarge,     // request body or batch over the limit
  kUnsupportedMediaType,
  kResourceExhausted,   // rate limited
  kUnavailable,         // transient (database busy or down); retry the call
  kInternal,            // a bug: an invariant broke
};

std::string_view ErrorCodeName(ErrorCode code);

// One problem with one field of a request, shown to the user as-is.
struct FieldError {
  std::string field;
  std::string code;     // machine-readable: "required", "invalid_format", ...
  std::string message;  // human-readable
  bool operator==(const FieldError&) const = default;
};

// An error = code + public detail (safe to show a client) + internal message (logs
// only) + field errors (for kValidationFailed).
class Error {
 public:
  Error(ErrorCode code, std::string detail) : code_(code), detail_(std::move(detail)) {}

  ErrorCode code() const { return code_; }
  const std::string& detail() const { return detail_; }
  const std::string& internal() const { return internal_; }
  const std::vector<FieldError>& field_errors() const { return field_errors_; }
  // For kResourceExhausted (and kUnavailable): when to try again, in seconds (0: unsaid).
  int retry_after_seconds() const { return retry_after_seconds_; }

  Error& WithInternal(std::string message) & {
    internal_ = std::move(message);
    return *this;
  }
  Error&& WithInternal(std::string message) && {
    internal_ = std::move(message);
    return std::move(*this);
  }
  Error&& WithFieldErrors(std::vector<FieldError> errors) && {
    field_errors_ = std::move(errors);
    return std::move(*this);
  }
  Error&& WithField(std::string field, std::string code, std::string message) && {
    field_errors_.push_back({std::move(field), std::move(code), std::move(message)});
    return std::move(*this);
  }

  Error&& WithRetryAfter(int seconds) && {
    retry_after_seconds_ = seconds;
    return std::move(*this);
  }

  std::string ToString() const;

 private:
  ErrorCode code_;
  int retry_after_seconds_ = 0;
  std::string detail_;
  std::string internal_;
  std::vector<FieldError> field_errors_;
};

// kValidationFailed about one field of a request: "`field`: message", with the field
// error the client shows beside it.
Error InvalidField(std::string field, std::string message, std::string code = "invalid_value");

template <typename T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

inline std::unexpected<Error> Fail(ErrorCode code, std::string detail) {
  return std::unexpected<Error>(Error(code, std::move(detail)));
}
inline std::unexpected<Error> Fail(Error error) { return std::unexpected<Error>(std::move(error)); }
inline Status Ok() { return {}; }

[[noreturn]] void CheckFailed(const char* file, int line, const char* condition,
                              std::string_view message);

}  // namespace rapport

#define RAPPORT_CONCAT_INNER(a, b) a##b
#define RAPPORT_CONCAT(a, b) RAPPORT_CONCAT_INNER(a, b)

// Returns the error of a Result/Status expression from the enclosing function.
#define RAPPORT_TRY(expr) RAPPORT_TRY_IMPL(RAPPORT_CONCAT(rapport_try_, __COUNTER__), expr)
#define RAPPORT_TRY_IMPL(tmp, expr)                                        \
  do {                                                                     \
    auto&& tmp = (expr);                                                   \
    if (!tmp) return std::unexpected(std::move(tmp).error());              \
  } while (0)

// RAPPORT_ASSIGN_OR_RETURN(auto x, Compute()) declares x from a successful Result.
#define RAPPORT_ASSIGN_OR_RETURN(decl, expr)                               \
  RAPPORT_ASSIGN_OR_RETURN_IMPL(RAPPORT_CONCAT(rapport_result_, __COUNTER__), decl, expr)
#define RAPPORT_ASSIGN_OR_RETURN_IMPL(tmp, decl, expr)                     \
  auto tmp = (expr);                                                       \
  if (!tmp) return std::unexpected(std::move(tmp).error());                \
  decl = std::move(*tmp)

// Invariant checks, active in every build; they must never fire on user input.
#define RAPPORT_CHECK(cond, message) \
  do { if (!(cond)) ::rapport::CheckFailed(__FILE__, __LINE__, #cond, message); } while (0)
#define RAPPORT_UNREACHABLE(message) ::rapport::CheckFailed(__FILE__, __LINE__, "unreachable", message)
