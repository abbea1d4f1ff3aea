#include "core/id.h"

#include <cstdint>
#include <random>

namespace rapport {

namespace {

struct IdState {
  std::mt19937_64 rng{std::random_device{}()};
  uint64_t last_ms = 0;
  uint64_t counter = 0;  // 12-bit rand_a used as a monotonic counter within a ms
};

}  // namespace

std::string NewId(const Clock& clock) {
  thread_local IdState state;
  uint64_t ms = static_cast<uint64_t>(clock.Now() / 1000);
  if (ms <= state.last_ms) {
    ms = state.last_ms;
    if (++state.counter > 0xFFF) {  // counter exhausted: borrow the next millisecond
      ++ms;
      state.counter = state.rng() & 0x3FF;
    }
  } else {
    state.counter = state.rng() & 0x3FF;  // leave headroom for increments
  }
  state.last_ms = ms;
  uint64_t rand_b = state.rng();
  uint8_t bytes[16];
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
  bytes[6] = static_cast<uint8_t>(0x70 | ((state.counter >> 8) & 0x0F));
  bytes[7] = static_cast<uint8_t>(state.counter & 0xFF);
  for (int i = 0; i < 8; ++i) bytes[8 + i] = static_cast<uint8_t>(rand_b >> (56 - 8 * i));
  bytes[8] = static_cast<uint8_t>(0x80 | (bytes[8] & 0x3F));

  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0xF];
  }
  return out;
}

bool IsValidId(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

}  // namespace rapport
