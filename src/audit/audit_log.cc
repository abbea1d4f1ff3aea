#include "audit/audit_log.h"

#include <sodium.h>

#include <boost/json.hpp>

#include <algorithm>

#include <fmt/format.h>

#include "core/id.h"

namespace rapport::audit {

namespace {

using storage::Connection;
using storage::TextOf;
using storage::Value;

const std::string kGenesis(64, '0');

std::string Hex(const unsigned char* bytes, size_t size) {
  std::string out(size * 2, '\0');
  sodium_bin2hex(out.data(), out.size() + 1, bytes, size);
  return out;
}

Value TextOrNull(const std::string& s) {
  if (s.empty()) return storage::Null{};
  return s;
}

Entry ReadEntry(std::span<const Value> row) {
  Entry e;
  e.seq = std::get<int64_t>(row[0]);
  e.id = TextOf(row[1]);
  e.occurred_at = TextOf(row[2]);
  e.event.actor_id = TextOf(row[3]);
  e.event.kind = TextOf(row[4]);
  e.event.object_name = TextOf(row[5]);
  e.event.record_id = TextOf(row[6]);
  e.event.detail = TextOf(row[7]);
  e.prev_hash = TextOf(row[8]);
  e.hash = TextOf(row[9]);
  return e;
}

constexpr std::string_view kColumns =
    "seq, id, occurred_at, actor_id, kind, object_name, record_id, detail, prev_hash, hash";

}  // namespace

std::string Detail(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  boost::json::object out;
  for (const auto& [key, value] : fields) out[key] = value;
  return boost::json::serialize(out);
}

std::string EntryHash(const Entry& entry) {
  static const bool sodium_ready = sodium_init() >= 0;  // idempotent; picks the fastest code
  (void)sodium_ready;
  // Every field length-prefixed, so no two different entries hash the same bytes.
  std::string input;
  for (const std::string& field : {entry.prev_hash, std::to_string(entry.seq), entry.id, entry.occurred_at,
                                   entry.event.actor_id, entry.event.kind, entry.event.object_name,
                                   entry.event.record_id, entry.event.detail}) {
    input += std::to_string(field.size());
    input += ':';
    input += field;
  }
  unsigned char hash[32];
  crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(input.data()), input.size(), nullptr,
                     0);
  return Hex(hash, sizeof hash);
}

Status Append(Connection& c, const std::string& tenant_id, const Event& event, const Clock& clock) {
  std::vector<Value> tenant = {tenant_id};
  RAPPORT_ASSIGN_OR_RETURN(auto head, c.Query("SELECT seq, hash FROM audit_heads WHERE tenant_id = ?", tenant));
  Entry entry;
  entry.seq = head.rows.empty() ? 1 : std::get<int64_t>(head.rows[0][0]) + 1;
  entry.prev_hash = head.rows.empty() ? kGenesis : TextOf(head.rows[0][1]);
  entry.id = NewId(clock);
  entry.occurred_at = FormatDatetime(clock.Now());
  entry.event = event;
  if (entry.event.detail.empty()) entry.event.detail = "{}";
  entry.hash = EntryHash(entry);
  std::vector<Value> row = {tenant_id,
                            entry.seq,
                            entry.id,
                            entry.occurred_at,
                            TextOrNull(event.actor_id),
                            event.kind,
                            TextOrNull(event.object_name),
                            TextOrNull(event.record_id),
                            entry.event.detail,
                            entry.prev_hash,
                            entry.hash};
  RAPPORT_TRY(c.Execute("INSERT INTO audit_log (tenant_id, seq, id, occurred_at, actor_id, kind, object_name, "
                        "record_id, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        row));
  if (head.rows.empty()) {
    std::vector<Value> first = {tenant_id, entry.seq, entry.hash};
    RAPPORT_TRY(c.Execute("INSERT INTO audit_heads (tenant_id, seq, hash) VALUES (?, ?, ?)", first));
  } else {
    std::vector<Value> next = {entry.seq, entry.hash, tenant_id, entry.seq - 1};
    // Conditional on the head read above: another process appending at the same time
    // makes this (or its INSERT of the same seq) fail, and the write is run again.
    RAPPORT_ASSIGN_OR_RETURN(int64_t moved, c.Execute("UPDATE audit_heads SET seq = ?, hash = ? "
                                                      "WHERE tenant_id = ? AND seq = ?",
                                                      next));
    if (moved != 1) return Fail(ErrorCode::kUnavailable, "The audit log moved on; retry the request.");
  }
  return Ok();
}

Result<std::vector<Entry>> List(storage::Database& db, const std::string& tenant_id, const ListQuery& query) {
  std::string sql = fmt::format("SELECT {} FROM audit_log WHERE tenant_id = ?", kColumns);
  std::vector<Value> params = {tenant_id};
  if (!query.kind.empty()) {
    if (query.kind.ends_with('.')) {
      // A family: "token." is every token.* kind (kinds are plain [a-z._] words).
      sql += " AND kind >= ? AND kind < ?";
      params.emplace_back(query.kind);
      params.emplace_back(query.kind.substr(0, query.kind.size() - 1) + "/");  // '/' follows '.'
    } else {
      sql += " AND kind = ?";
      params.emplace_back(query.kind);
    }
  }
  if (!query.actor_id.empty()) {
    sql += " AND actor_id = ?";
    params.emplace_back(query.actor_id);
  }
  if (!query.since.empty()) {
    sql += " AND occurred_at >= ?";
    params.emplace_back(query.since);
  }
  if (query.before_seq > 0) {
    sql += " AND seq < ?";
    params.emplace_back(query.before_seq);
  }
  sql += " ORDER BY seq DESC LIMIT ?";
  params.emplace_back(int64_t{std::clamp(query.limit, 1, 500)});
  std::vector<Entry> out;
  RAPPORT_TRY(db.Read([&](Connection& c) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query(sql, params));
    for (const auto& row : rows.rows) out.push_back(ReadEntry(row));
    return Ok();
  }));
  return out;
}

Result<Verification> Verify(storage::Database& db, const std::string& tenant_id) {
  Verification v;
  RAPPORT_TRY(db.Read([&](Connection& c) -> Status {
    std::vector<Value> tenant = {tenant_id};
    std::string prev = kGenesis;
    auto broken = [&](int64_t seq, std::string why) {
      if (!v.broken_at) {
        v.broken_at = seq;
        v.problem = std::move(why);
      }
    };
    RAPPORT_TRY(c.ForEach(fmt::format("SELECT {} FROM audit_log WHERE tenant_id = ? ORDER BY seq", kColumns), tenant,
                          [&](std::span<const Value> row) {
                            Entry e = ReadEntry(row);
                            int64_t expected = v.entries + 1;
                            if (e.seq != expected) {
                              broken(expected, fmt::format("entry {} is missing", expected));
                              return false;
                            }
                            if (e.prev_hash != prev) {
                              broken(e.seq, "it does not link to the entry before it");
                              return false;
                            }
                            if (EntryHash(e) != e.hash) {
                              broken(e.seq, "its content does not match its hash (edited)");
                              return false;
                            }
                            prev = e.hash;
                            ++v.entries;
                            return true;
                          }));
    if (v.broken_at) return Ok();
    RAPPORT_ASSIGN_OR_RETURN(auto head, c.Query("SELECT seq, hash FROM audit_heads WHERE tenant_id = ?", tenant));
    int64_t head_seq = head.rows.empty() ? 0 : std::get<int64_t>(head.rows[0][0]);
    std::string head_hash = head.rows.empty() ? kGenesis : TextOf(head.rows[0][1]);
    if (head_seq != v.entries || head_hash != prev) {
      broken(v.entries + 1, fmt::format("the log ends at entry {} but its head says {} (entries deleted at the end)",
                                        v.entries, head_seq));
      return Ok();
    }
    v.head_hash = prev;
    return Ok();
  }));
  return v;
}

}  // namespace rapport::audit
