// Field encryption at rest: values of fields marked `encrypted` are stored sealed with
// XChaCha20-Poly1305 (libsodium) under a per-tenant data key, which is stored wrapped
// (sealed) by a master key that never touches the database.
//
//   master keys (key file or environment) ──wrap──▶ tenant_keys.wrapped
//   tenant data key ──seal──▶ "e1.<key version>.<base64url(nonce ‖ ciphertext)>"
//
// The field's api name is the associated data, so a value cannot be moved to another
// field undetected. A `deterministic` field derives its nonce from the value (a keyed
// BLAKE2b of field and value, SIV-style), so equal values seal equally and equality
// filters work; it reveals which records share a value, which is the documented
// trade-off. Randomized fields reveal nothing and cannot be filtered or sorted.
//
// Rotation re-wraps the data keys under the newest master key (`rapport keys rotate`);
// values are untouched, so it is instant and needs no downtime.
//
// Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "storage/database.h"

namespace rapport::security {

struct MasterKey {
  std::string id;   // names the key in tenant_keys.master_key_id
  std::string key;  // 32 bytes
};

// A key file holds one key per line, `<id> <base64 of 32 bytes>`; the last is current.
// Blank lines and lines starting with # are ignored.
Result<std::vector<MasterKey>> LoadMasterKeys(const std::string& path);
// RAPPORT_MASTER_KEY: the base64 of 32 bytes (id "env").
Result<MasterKey> ParseMasterKey(std::string_view base64);
// Appends a fresh key (which becomes current) to the key file, creating it with mode
// 0600. Returns its id.
Result<std::string> AppendNewMasterKey(const std::string& path);

// One tenant's unwrapped data keys.
class TenantCipher {
 public:
  TenantCipher(int current_version, std::map<int, std::string> keys);
  std::string Seal(std::string_view field, std::string_view plaintext, bool deterministic) const;
  // nullopt if the text was not sealed by these keys for this field, or was altered.
  std::optional<std::string> Open(std::string_view field, std::string_view sealed) const;
  static bool LooksSealed(std::string_view text) { return text.starts_with("e1."); }

 private:
  int current_;
  std::map<int, std::string> keys_;
};

using TenantCipherPtr = std::shared_ptr<const TenantCipher>;

class KeyStore {
 public:
  KeyStore(storage::Database& db, std::vector<MasterKey> masters, const Clock& clock = SystemClock::Instance());

  bool configured() const { return !masters_.empty(); }
  // The tenant's cipher (cached), creating its first data key on first use. Call it
  // outside write transactions. kFailedPrecondition without a master key; kInternal if
  // a data key does not unwrap (a wrong or missing master key).
  Result<TenantCipherPtr> For(const std::string& tenant_id);
  // Re-wraps every tenant's data keys under the current master key; returns how many.
  Result<int> Rewrap();

 private:
  storage::Database& db_;
  std::vector<MasterKey> masters_;
  const Clock& clock_;
  std::mutex mu_;
  std::map<std::string, TenantCipherPtr, std::less<>> cache_;
};

}  // namespace rapport::security
