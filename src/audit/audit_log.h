// The audit trail: an append-only, hash-chained log of security events per tenant
// (tokens issued and revoked, schema changes, records purged, tenants imported...).
//
// Each entry's hash is BLAKE2b-256 over the previous entry's hash and every field of
// the entry, and `audit_heads` keeps the hash and number of the newest entry. So
// editing an entry breaks its hash, deleting one breaks the chain after it, and
// deleting the newest ones no longer matches the head. Verify() finds all three.
// Someone who can rewrite the whole database can also rewrite the chain. Against that,
// keep the head hash that `rapport audit verify` prints somewhere else (a ticket, a
// log shipper): a rewritten chain will not reproduce it.
//
// Entries are appended inside the caller's write transaction: an event commits, or
// rolls back, with the change it records.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <utility>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "storage/database.h"

namespace rapport::audit {

struct Event {
  std::string kind;         // "token.created", "metadata.changed", ... (docs/security.md)
  std::string actor_id;     // the user who acted; empty for the system or the CLI
  std::string object_name;  // what it is about, when it is about a record or object
  std::string record_id;
  std::string detail;       // a JSON object with the particulars (never secrets)
};

struct Entry {
  int64_t seq = 0;  // 1, 2, 3... per tenant, without gaps
  std::string id;
  std::string occurred_at;
  Event event;
  std::string prev_hash;  // hex; 64 zeros for the first entry
  std::string hash;       // hex
};

// A `detail` JSON object from string pairs, properly escaped.
std::string Detail(std::initializer_list<std::pair<std::string_view, std::string_view>> fields);

// Appends `event` to the tenant's chain within the transaction `c` belongs to.
Status Append(storage::Connection& c, const std::string& tenant_id, const Event& event,
              const Clock& clock = SystemClock::Instance());

struct ListQuery {
  std::string kind;      // exact kind, or a prefix ending in '.' ("token.")
  std::string actor_id;
  std::string since;     // RFC 3339; entries at or after it
  int64_t before_seq = 0;  // a page cursor: entries older than this one
  int limit = 100;       // 1..500
};

// Newest first.
Result<std::vector<Entry>> List(storage::Database& db, const std::string& tenant_id, const ListQuery& query);

struct Verification {
  int64_t entries = 0;
  std::string head_hash;            // the newest entry's hash (record it elsewhere)
  std::optional<int64_t> broken_at; // the first entry that does not check out
  std::string problem;              // why, when broken_at is set
};

// Re-reads the tenant's whole chain in one snapshot and checks every link.
Result<Verification> Verify(storage::Database& db, const std::string& tenant_id);

// The hash of an entry (exposed for tests and for independent verifiers).
std::string EntryHash(const Entry& entry);

}  // namespace rapport::audit
