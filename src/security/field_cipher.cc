#include "security/field_cipher.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace rapport::security {

namespace {

using storage::Connection;
using storage::TextOf;
using storage::Value;

constexpr size_t kKeyBytes = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;

struct SodiumInit {
  SodiumInit() {
    if (sodium_init() < 0) RAPPORT_UNREACHABLE("libsodium failed to initialise");
  }
};

std::string ToBase64(std::string_view bytes, int variant) {
  std::string out(sodium_base64_encoded_len(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    variant);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::optional<std::string> FromBase64(std::string_view text, int variant) {
  std::string out(text.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &len, nullptr, variant) != 0) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

// nonce ‖ ciphertext of `plain` under `key` with associated data `ad`.
std::string SealWith(const std::string& key, std::string_view nonce, std::string_view plain, std::string_view ad) {
  std::string out(nonce);
  out.resize(kNonceBytes + plain.size() + kTagBytes);
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      reinterpret_cast<unsigned char*>(out.data() + kNonceBytes), &len,
      reinterpret_cast<const unsigned char*>(plain.data()), plain.size(),
      reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr,
      reinterpret_cast<const unsigned char*>(nonce.data()), reinterpret_cast<const unsigned char*>(key.data()));
  out.resize(kNonceBytes + len);
  return out;
}

std::optional<std::string> OpenWith(const std::string& key, std::string_view sealed, std::string_view ad) {
  if (sealed.size() < kNonceBytes + kTagBytes) return std::nullopt;
  std::string plain(sealed.size() - kNonceBytes - kTagBytes, '\0');
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plain.data()), &len, nullptr,
          reinterpret_cast<const unsigned char*>(sealed.data() + kNonceBytes), sealed.size() - kNonceBytes,
          reinterpret_cast<const unsigned char*>(ad.data()), ad.size(),
          reinterpret_cast<const unsigned char*>(sealed.data()), reinterpret_cast<const unsigned char*>(key.data())) != 0) {
    return std::nullopt;
  }
  plain.resize(len);
  return plain;
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  randombytes_buf(out.data(), out.size());
  return out;
}

std::string WrapAd(std::string_view tenant_id, int64_t version) {
  return fmt::format("rapport data key {} v{}", tenant_id, version);
}

}  // namespace

Result<MasterKey> ParseMasterKey(std::string_view base64) {
  static SodiumInit init;
  auto key = FromBase64(base64, sodium_base64_VARIANT_ORIGINAL);
  if (!key || key->size() != kKeyBytes) {
    return Fail(ErrorCode::kInvalidArgument, "A master key is the base64 of 32 random bytes.");
  }
  return MasterKey{"env", *key};
}

Result<std::vector<MasterKey>> LoadMasterKeys(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Fail(ErrorCode::kInvalidArgument, fmt::format("Cannot read the master key file {}.", path));
  std::vector<MasterKey> keys;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string id, encoded;
    fields >> id >> encoded;
    auto key = ParseMasterKey(encoded);
    if (id.empty() || !key) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("{} line {}: expected `<id> <base64 of 32 bytes>`.", path, number));
    }
    keys.push_back({id, key->key});
  }
  if (keys.empty()) return Fail(ErrorCode::kInvalidArgument, fmt::format("{} holds no key.", path));
  return keys;
}

Result<std::string> AppendNewMasterKey(const std::string& path) {
  static SodiumInit init;
  // When it was made, plus a random tag so keys made in the same second differ.
  std::string id = fmt::format("k{}-{:04x}", SystemClock::Instance().Now() / kMicrosPerSecond,
                               randombytes_uniform(0x10000));
  std::string line = fmt::format("{} {}\n", id, ToBase64(RandomBytes(kKeyBytes), sodium_base64_VARIANT_ORIGINAL));
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (fd < 0) return Fail(ErrorCode::kUnavailable, fmt::format("Cannot write the master key file {}.", path));
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Fail(ErrorCode::kUnavailable, fmt::format("Cannot write the master key file {}.", path));
  return id;
}

TenantCipher::TenantCipher(int current_version, std::map<int, std::string> keys)
    : current_(current_version), keys_(std::move(keys)) {}

std::string TenantCipher::Seal(std::string_view field, std::string_view plaintext, bool deterministic) const {
  const std::string& key = keys_.at(current_);
  std::string nonce;
  if (deterministic) {
    // SIV-style: the nonce is a keyed hash of field and value, so equal values seal
    // equally (and only equal values do).
    std::string message = std::string(field) + '\0' + std::string(plaintext);
    unsigned char hash[kNonceBytes];
    crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       reinterpret_cast<const unsigned char*>(key.data()), key.size());
    nonce.assign(reinterpret_cast<const char*>(hash), sizeof hash);
  } else {
    nonce = RandomBytes(kNonceBytes);
  }
  return fmt::format("e1.{}.{}", current_,
                     ToBase64(SealWith(key, nonce, plaintext, field), sodium_base64_VARIANT_URLSAFE_NO_PADDING));
}

std::optional<std::string> TenantCipher::Open(std::string_view field, std::string_view sealed) const {
  if (!LooksSealed(sealed)) return std::nullopt;
  std::string_view rest = sealed.substr(3);
  auto dot = rest.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  int version = 0;
  auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + dot, version);
  if (ec != std::errc() || ptr != rest.data() + dot) return std::nullopt;
  auto key = keys_.find(version);
  if (key == keys_.end()) return std::nullopt;
  auto bytes = FromBase64(rest.substr(dot + 1), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  if (!bytes) return std::nullopt;
  return OpenWith(key->second, *bytes, field);
}

KeyStore::KeyStore(storage::Database& db, std::vector<MasterKey> masters, const Clock& clock)
    : db_(db), masters_(std::move(masters)), clock_(clock) {
  static SodiumInit init;
}

Result<TenantCipherPtr> KeyStore::For(const std::string& tenant_id) {
  if (masters_.empty()) {
    return Fail(ErrorCode::kFailedPrecondition,
                "Encrypted fields need a master key: start Rapport with --master-key-file (or RAPPORT_MASTER_KEY).");
  }
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(tenant_id); it != cache_.end()) return it->second;
  }
  auto load = [&](Connection& c, std::map<int, std::string>& keys) -> Status {
    std::vector<Value> p = {tenant_id};
    RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query("SELECT version, master_key_id, wrapped FROM tenant_keys WHERE "
                                                "tenant_id = ? ORDER BY version",
                                                p));
    for (const auto& row : rows.rows) {
      int64_t version = std::get<int64_t>(row[0]);
      std::string master_id = TextOf(row[1]);
      auto master = std::find_if(masters_.begin(), masters_.end(), [&](const MasterKey& m) { return m.id == master_id; });
      auto wrapped = FromBase64(TextOf(row[2]), sodium_base64_VARIANT_ORIGINAL);
      std::optional<std::string> key;
      if (master != masters_.end() && wrapped) key = OpenWith(master->key, *wrapped, WrapAd(tenant_id, version));
      if (!key) {
        return Fail(Error(ErrorCode::kInternal, "A data key does not unwrap: is the right master key configured?")
                        .WithInternal(fmt::format("tenant {} data key v{} is wrapped by master key `{}`", tenant_id,
                                                  version, master_id)));
      }
      keys[static_cast<int>(version)] = *key;
    }
    return Ok();
  };
  std::map<int, std::string> keys;
  RAPPORT_TRY(db_.Read([&](Connection& c) { return load(c, keys); }));
  if (keys.empty()) {
    RAPPORT_TRY(db_.Write([&](Connection& c) -> Status {
      RAPPORT_TRY(load(c, keys));  // another process may have made it meanwhile
      if (!keys.empty()) return Ok();
      std::string key = RandomBytes(kKeyBytes);
      const MasterKey& master = masters_.back();
      std::vector<Value> row = {tenant_id, int64_t{1}, master.id,
                                ToBase64(SealWith(master.key, RandomBytes(kNonceBytes), key, WrapAd(tenant_id, 1)),
                                         sodium_base64_VARIANT_ORIGINAL),
                                FormatDatetime(clock_.Now())};
      RAPPORT_TRY(c.Execute("INSERT INTO tenant_keys (tenant_id, version, master_key_id, wrapped, created_at) "
                            "VALUES (?, ?, ?, ?, ?)",
                            row));
      keys[1] = key;
      return Ok();
    }));
  }
  auto cipher = std::make_shared<const TenantCipher>(keys.rbegin()->first, std::move(keys));
  std::lock_guard lock(mu_);
  cache_[tenant_id] = cipher;
  return cipher;
}

Result<int> KeyStore::Rewrap() {
  if (masters_.empty()) return Fail(ErrorCode::kFailedPrecondition, "No master key is configured.");
  const MasterKey& current = masters_.back();
  int rewrapped = 0;
  RAPPORT_TRY(db_.Write([&](Connection& c) -> Status {
    // Tenant by tenant, so every statement names its shard.
    RAPPORT_ASSIGN_OR_RETURN(auto tenants, c.Query("SELECT id FROM tenants"));
    std::vector<std::vector<Value>> rows;
    for (const auto& tenant : tenants.rows) {
      std::vector<Value> p = {tenant[0]};
      RAPPORT_ASSIGN_OR_RETURN(auto keys, c.Query("SELECT tenant_id, version, master_key_id, wrapped FROM tenant_keys "
                                                  "WHERE tenant_id = ?",
                                                  p));
      for (auto& row : keys.rows) rows.push_back(std::move(row));
    }
    for (const auto& row : rows) {
      std::string tenant_id = TextOf(row[0]);
      int64_t version = std::get<int64_t>(row[1]);
      std::string master_id = TextOf(row[2]);
      if (master_id == current.id) continue;
      auto master = std::find_if(masters_.begin(), masters_.end(), [&](const MasterKey& m) { return m.id == master_id; });
      if (master == masters_.end()) {
        return Fail(ErrorCode::kFailedPrecondition,
                    fmt::format("Tenant {}'s data key is wrapped by master key `{}`, which the key file no longer "
                                "holds; put it back and rotate again.",
                                tenant_id, master_id));
      }
      auto wrapped = FromBase64(TextOf(row[3]), sodium_base64_VARIANT_ORIGINAL);
      auto key = wrapped ? OpenWith(master->key, *wrapped, WrapAd(tenant_id, version)) : std::nullopt;
      if (!key) return Fail(ErrorCode::kInternal, fmt::format("Tenant {}'s data key does not unwrap.", tenant_id));
      std::vector<Value> update = {current.id,
                                   ToBase64(SealWith(current.key, RandomBytes(kNonceBytes), *key,
                                                     WrapAd(tenant_id, version)),
                                            sodium_base64_VARIANT_ORIGINAL),
                                   tenant_id, version};
      RAPPORT_TRY(c.Execute("UPDATE tenant_keys SET master_key_id = ?, wrapped = ? WHERE tenant_id = ? AND version = ?",
                            update));
      ++rewrapped;
    }
    return Ok();
  }));
  return rewrapped;
}

}  // namespace rapport::security
