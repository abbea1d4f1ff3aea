// Record ids are UUIDv7 (RFC 9562): time-ordered, so new rows append to the end of
// primary-key indexes instead of splitting pages at random.
#pragma once

#include <string>
#include <string_view>

#include "core/time.h"

namespace rapport {

// A new UUIDv7 in canonical lowercase text form. Thread-safe. Ids minted by one
// thread are strictly increasing, even within one millisecond.
std::string NewId(const Clock& clock = SystemClock::Instance());

// True for a canonical lowercase or uppercase 8-4-4-4-12 hex UUID.
bool IsValidId(std::string_view text);

}  // namespace rapport
