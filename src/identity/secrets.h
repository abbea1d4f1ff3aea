// Random secrets and their stored hashes, shared by tokens, sessions and invitations.
#pragma once

#include <sodium.h>

#include <string>
#include <string_view>

namespace rapport::identity::internal {

inline std::string Hex(const unsigned char* data, size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, n);
  out.pop_back();
  return out;
}

// BLAKE2b-256 of a secret, hex: what the database keeps instead of the secret.
inline std::string HashSecret(std::string_view secret) {
  unsigned char hash[32];
  crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
                     nullptr, 0);
  return Hex(hash, sizeof hash);
}

inline std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  return Hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

// Constant-time equality of two strings (lengths are not secret).
inline bool SecretsEqual(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Splits `<prefix><16 hex id>_<48 hex secret>` into id and secret; false if malformed.
inline bool SplitToken(std::string_view token, std::string_view prefix, std::string& id, std::string& secret) {
  if (token.size() != prefix.size() + 16 + 1 + 48 || !token.starts_with(prefix) || token[prefix.size() + 16] != '_') {
    return false;
  }
  id = std::string(token.substr(prefix.size(), 16));
  secret = std::string(token.substr(prefix.size() + 17));
  return true;
}

}  // namespace rapport::identity::internal
