#include "query/sort.h"

#include <fmt/format.h>

#include <array>
#include <bit>
#include <cstring>

#include "core/strings.h"

namespace rapport::query {
namespace {

using metadata::FieldType;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kBase64Url[(buffer >> bits) & 0x3F];
    }
  }
  if (bits > 0) out += kBase64Url[(buffer << (6 - bits)) & 0x3F];
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    size_t v = kBase64Url.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  // Leftover bits must be padding zeros of a canonical encoding.
  if (bits >= 6 || (buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

constexpr char kCursorVersion = 1;

void PutU64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xFF);
}

// Reads the serialised cursor payload (see EncodeCursor).
class CursorReader {
 public:
  explicit CursorReader(std::string_view bytes) : bytes_(bytes) {}
  bool Done() const { return pos_ == bytes_.size(); }
  std::optional<uint8_t> Byte() {
    if (pos_ >= bytes_.size()) return std::nullopt;
    return static_cast<uint8_t>(bytes_[pos_++]);
  }
  std::optional<uint64_t> U64() {
    if (bytes_.size() - pos_ < 8) return std::nullopt;
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(bytes_[pos_++]);
    return v;
  }
  std::optional<uint64_t> Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      auto b = Byte();
      if (!b) return std::nullopt;
      v |= static_cast<uint64_t>(*b & 0x7F) << shift;
      if ((*b & 0x80) == 0) return v;
    }
    return std::nullopt;
  }
  std::optional<std::string> Bytes(uint64_t n) {
    if (bytes_.size() - pos_ < n) return std::nullopt;
    std::string s(bytes_.substr(pos_, n));
    pos_ += n;
    return s;
  }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

std::unexpected<Error> BadCursor() {
  return Fail(ErrorCode::kInvalidArgument,
              "Invalid cursor: it is malformed or was issued for a different sort");
}

bool FitsKey(const storage::Value& v, const SortKey& key) {
  if (storage::IsNull(v)) return key.field->type != FieldType::kId;
  switch (metadata::ColumnTypeFor(key.field->type)) {
    case storage::ColumnType::kInteger:
    case storage::ColumnType::kBoolean:
      return std::holds_alternative<int64_t>(v);
    case storage::ColumnType::kReal:
      return std::holds_alternative<double>(v);
    case storage::ColumnType::kText:
      return std::holds_alternative<std::string>(v);
  }
  return false;
}

}  // namespace

Result<std::vector<SortKey>> ParseSort(std::string_view spec, const metadata::ObjectDef& object) {
  std::vector<SortKey> keys;
  bool has_id = false;
  spec = Trim(spec);
  while (!spec.empty()) {
    const size_t comma = spec.find(',');
    std::string_view item = Trim(spec.substr(0, comma));
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    SortKey key;
    if (!item.empty() && (item.front() == '-' || item.front() == '+')) {
      key.descending = item.front() == '-';
      item = Trim(item.substr(1));
    }
    if (item.empty()) {
      return Fail(ErrorCode::kInvalidArgument, "Sort has an empty field name");
    }
    key.field = object.FindField(item);
    if (key.field == nullptr) {
      std::string hint = item.find('.') != std::string_view::npos
                             ? std::string(" Sorting by related fields is not supported.")
                             : DidYouMean(item, object.FieldNames());
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("Unknown field `{}` on `{}`.{}", item.substr(0, 64), object.name,
                              hint));
    }
    if (!key.field->encryption.empty()) {
      return Fail(ErrorCode::kInvalidArgument, fmt::format("`{}` is encrypted and cannot be sorted.", key.field->name));
    }
    if (!metadata::IsSortable(key.field->type)) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("Cannot sort by `{}`: {} fields are not sortable", item,
                              metadata::FieldTypeName(key.field->type)));
    }
    for (const SortKey& k : keys) {
      if (k.field == key.field) {
        return Fail(ErrorCode::kInvalidArgument,
                    fmt::format("Sort names `{}` more than once", item));
      }
    }
    if (keys.size() == kMaxSortKeys) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("Sort has more than {} fields", kMaxSortKeys));
    }
    has_id = has_id || key.field->type == FieldType::kId;
    keys.push_back(key);
  }
  if (!has_id) {
    const metadata::FieldDef* id = object.FindField("id");
    if (id == nullptr) return Fail(ErrorCode::kInternal, "object has no id field");
    // The tiebreak runs in the direction of the last key, so an index on
    // (tenant_id, column, id) serves the whole ORDER BY in either direction.
    keys.push_back(SortKey{id, !keys.empty() && keys.back().descending});
  }
  return keys;
}

namespace {

// Columns that are NOT NULL in every table (metadata/schema_plan.cc CreateTableSql).
bool NeverNull(const metadata::FieldDef& f) {
  return f.type == FieldType::kId || (f.system && (f.name == "version" || f.name == "created_at" ||
                                                   f.name == "updated_at"));
}

}  // namespace

std::string OrderBySql(const std::vector<SortKey>& keys, const storage::SqlDialect& dialect,
                       std::string_view alias) {
  std::string out;
  for (const SortKey& key : keys) {
    if (!out.empty()) out += ", ";
    // A column that is never NULL takes no NULLS clause: with one, PostgreSQL cannot
    // walk an index declared without it (its pathkeys compare the NULLS order too).
    std::string_view direction = key.descending ? "DESC NULLS LAST" : "ASC NULLS FIRST";
    if (NeverNull(*key.field)) direction = key.descending ? "DESC" : "ASC";
    out += fmt::format("{}.{} {}", alias, dialect.QuoteIdentifier(key.field->column), direction);
  }
  return out;
}

std::vector<std::string> SortColumns(const std::vector<SortKey>& keys) {
  std::vector<std::string> columns;
  for (const SortKey& key : keys) columns.push_back(key.field->column);
  return columns;
}

// Payload: version byte, then per value a tag and its data:
//   'N' | 'I' int64 (8 bytes big-endian) | 'R' double bits (8 bytes) | 'S' varint n, n bytes
std::string EncodeCursor(const std::vector<storage::Value>& last_row_sort_values) {
  std::string bytes(1, kCursorVersion);
  for (const storage::Value& v : last_row_sort_values) {
    if (std::holds_alternative<storage::Null>(v)) {
      bytes += 'N';
    } else if (const auto* i = std::get_if<int64_t>(&v)) {
      bytes += 'I';
      PutU64(bytes, static_cast<uint64_t>(*i));
    } else if (const auto* d = std::get_if<double>(&v)) {
      bytes += 'R';
      PutU64(bytes, std::bit_cast<uint64_t>(*d));
    } else {
      const auto& s = std::get<std::string>(v);
      bytes += 'S';
      uint64_t n = s.size();
      do {
        bytes += static_cast<char>((n & 0x7F) | (n > 0x7F ? 0x80 : 0));
        n >>= 7;
      } while (n > 0);
      bytes += s;
    }
  }
  return Base64UrlEncode(bytes);
}

Result<std::vector<storage::Value>> DecodeCursor(std::string_view cursor,
                                                 const std::vector<SortKey>& keys) {
  if (cursor.size() > kMaxCursorBytes) return BadCursor();
  auto bytes = Base64UrlDecode(cursor);
  if (!bytes) return BadCursor();
  CursorReader reader(*bytes);
  if (reader.Byte() != static_cast<uint8_t>(kCursorVersion)) return BadCursor();
  std::vector<storage::Value> values;
  while (!reader.Done()) {
    if (values.size() == keys.size()) return BadCursor();
    const auto tag = reader.Byte();
    storage::Value v;
    if (tag == 'N') {
      v = storage::Null{};
    } else if (tag == 'I' || tag == 'R') {
      auto bits = reader.U64();
      if (!bits) return BadCursor();
      if (tag == 'I') {
        v = static_cast<int64_t>(*bits);
      } else {
        v = std::bit_cast<double>(*bits);
      }
    } else if (tag == 'S') {
      auto n = reader.Varint();
      if (!n) return BadCursor();
      auto s = reader.Bytes(*n);
      if (!s) return BadCursor();
      v = std::move(*s);
    } else {
      return BadCursor();
    }
    if (!FitsKey(v, keys[values.size()])) return BadCursor();
    values.push_back(std::move(v));
  }
  if (values.size() != keys.size()) return BadCursor();
  return values;
}

SqlFragment KeysetPredicate(const std::vector<SortKey>& keys,
                            const std::vector<storage::Value>& cursor_values,
                            const storage::SqlDialect& dialect, std::string_view alias) {
  // Row > cursor in lexicographic key order: OR over i of
  //   (keys before i equal the cursor) AND (key i is strictly after the cursor's).
  // NULL is the smallest value: before every non-NULL in ascending order, after them
  // in descending order (SQLite's native order, so its indexes serve every sort).
  SqlFragment out;
  std::vector<std::string> terms;
  const size_t n = std::min(keys.size(), cursor_values.size());
  for (size_t i = 0; i < n; ++i) {
    const storage::Value& c = cursor_values[i];
    const bool null = storage::IsNull(c);
    const std::string col =
        fmt::format("{}.{}", alias, dialect.QuoteIdentifier(keys[i].field->column));
    std::string after;
    if (!keys[i].descending) {
      after = null ? col + " IS NOT NULL" : col + " > ?";
    } else {
      if (null) continue;  // nothing sorts after NULL descending: no row from this term
      after = fmt::format("({} < ? OR {} IS NULL)", col, col);
    }
    std::string term = "(";
    std::vector<storage::Value> term_params;
    for (size_t j = 0; j < i; ++j) {
      const std::string prev =
          fmt::format("{}.{}", alias, dialect.QuoteIdentifier(keys[j].field->column));
      if (storage::IsNull(cursor_values[j])) {
        term += prev + " IS NULL AND ";
      } else {
        term += prev + " = ? AND ";
        term_params.push_back(cursor_values[j]);
      }
    }
    term += after + ")";
    if (!null) term_params.push_back(c);
    terms.push_back(std::move(term));
    for (auto& p : term_params) out.params.push_back(std::move(p));
  }
  if (terms.empty()) {
    out.sql = "1 = 0";
    return out;
  }
  out.sql = "(";
  for (size_t i = 0; i < terms.size(); ++i) {
    if (i > 0) out.sql += " OR ";
    out.sql += terms[i];
  }
  out.sql += ")";
  return out;
}

}  // namespace rapport::query
