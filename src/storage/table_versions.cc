#include "storage/table_versions.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace rapport::storage {

namespace {

// A statement's text as words (lowercased), quoted identifiers and single
// punctuation marks; string literals and comments are skipped.
struct Token {
  enum Kind { kWord, kQuoted, kMark } kind;
  std::string text;
};

bool WordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }

std::vector<Token> Tokens(std::string_view sql) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      while (i < sql.size() && sql[i] != '\n') ++i;
    } else if (c == '\'') {
      for (++i; i < sql.size(); ++i) {
        if (sql[i] != '\'') continue;
        if (i + 1 < sql.size() && sql[i + 1] == '\'') ++i;
        else break;
      }
      ++i;
    } else if (c == '"') {
      std::string name;
      for (++i; i < sql.size(); ++i) {
        if (sql[i] == '"') {
          if (i + 1 < sql.size() && sql[i + 1] == '"') ++i;
          else break;
        }
        name += sql[i];
      }
      ++i;
      out.push_back({Token::kQuoted, std::move(name)});
    } else if (WordChar(c)) {
      size_t start = i;
      while (i < sql.size() && WordChar(sql[i])) ++i;
      std::string word(sql.substr(start, i - start));
      for (char& ch : word) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      out.push_back({Token::kWord, std::move(word)});
    } else {
      out.push_back({Token::kMark, std::string(1, c)});
      ++i;
    }
  }
  return out;
}

bool IsWord(const std::vector<Token>& t, size_t i, std::string_view word) {
  return i < t.size() && t[i].kind == Token::kWord && t[i].text == word;
}

// The table named from token `i` on (after IF [NOT] EXISTS or ONLY; the last part of
// a qualified name), appended to `out`; returns the index after it.
size_t TableAt(const std::vector<Token>& t, size_t i, std::vector<std::string>& out) {
  while (IsWord(t, i, "if") || IsWord(t, i, "not") || IsWord(t, i, "exists") || IsWord(t, i, "only")) ++i;
  if (i >= t.size() || t[i].kind == Token::kMark) return i;
  std::string name = t[i].text;
  ++i;
  while (i + 1 < t.size() && t[i].kind == Token::kMark && t[i].text == "." && t[i + 1].kind != Token::kMark) {
    name = t[i + 1].text;
    i += 2;
  }
  out.push_back(std::move(name));
  return i;
}

void Unique(std::vector<std::string>& names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
}

std::vector<std::string> NamedIn(const std::vector<Token>& t, size_t begin, size_t end) {
  std::vector<std::string> out;
  for (size_t i = begin; i < end; ++i) {
    if (t[i].kind != Token::kWord) continue;
    const std::string& w = t[i].text;
    if (w == "from" || w == "join" || w == "into" || w == "update" || w == "table") TableAt(t, i + 1, out);
  }
  return out;
}

// The tables the statement in tokens [begin, end) changes.
void WrittenBy(const std::vector<Token>& t, size_t begin, size_t end, std::vector<std::string>& out) {
  if (begin >= end || t[begin].kind != Token::kWord) return;
  const std::string& verb = t[begin].text;
  auto find = [&](std::string_view word) {
    for (size_t i = begin + 1; i < end; ++i) {
      if (IsWord(t, i, word)) return i;
    }
    return end;
  };
  if (verb == "insert" || verb == "replace") {
    if (size_t into = find("into"); into < end) TableAt(t, into + 1, out);
  } else if (verb == "update") {
    size_t i = begin + 1;
    if (IsWord(t, i, "or")) i += 2;  // SQLite's UPDATE OR REPLACE
    TableAt(t, i, out);
  } else if (verb == "delete") {
    if (size_t from = find("from"); from < end) TableAt(t, from + 1, out);
  } else if (verb == "truncate") {
    size_t i = IsWord(t, begin + 1, "table") ? begin + 2 : begin + 1;
    for (;;) {
      i = TableAt(t, i, out);
      if (i >= end || t[i].text != ",") break;
      ++i;
    }
  } else if (verb == "alter" || verb == "create" || verb == "drop") {
    // Only tables: an index, a view or a trigger changes no row.
    size_t i = begin + 1;
    while (i < end && t[i].kind == Token::kWord &&
           (t[i].text == "temp" || t[i].text == "temporary" || t[i].text == "unlogged")) {
      ++i;
    }
    if (!IsWord(t, i, "table")) return;
    for (i = i + 1;;) {
      i = TableAt(t, i, out);
      if (verb != "drop" || i >= end || t[i].text != ",") break;
      ++i;
    }
  } else if (verb == "select" || verb == "pragma" || verb == "explain" || verb == "analyze" || verb == "vacuum" ||
             verb == "begin" || verb == "commit" || verb == "rollback" || verb == "savepoint" || verb == "release" ||
             verb == "set" || verb == "show" || verb == "reindex") {
    return;
  } else {
    auto named = NamedIn(t, begin, end);  // WITH ... INSERT, and anything unforeseen
    out.insert(out.end(), named.begin(), named.end());
  }
}

}  // namespace

bool IsSingleSelect(std::string_view sql) {
  constexpr std::string_view kSelect = "select";
  size_t start = sql.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos || sql.size() - start <= kSelect.size()) return false;
  std::string_view verb = sql.substr(start, kSelect.size());
  return !WordChar(sql[start + kSelect.size()]) && sql.find(';') == std::string_view::npos &&
         std::equal(verb.begin(), verb.end(), kSelect.begin(),
                    [](char x, char y) { return std::tolower(static_cast<unsigned char>(x)) == y; });
}

std::vector<std::string> TablesWrittenBy(std::string_view sql) {
  std::vector<Token> t = Tokens(sql);
  std::vector<std::string> out;
  size_t begin = 0;
  for (size_t i = 0; i <= t.size(); ++i) {
    if (i < t.size() && !(t[i].kind == Token::kMark && t[i].text == ";")) continue;
    WrittenBy(t, begin, i, out);
    begin = i + 1;
  }
  Unique(out);
  return out;
}

bool IsPlainInsert(std::string_view sql) {
  std::vector<Token> t = Tokens(sql);
  if (!IsWord(t, 0, "insert") || !IsWord(t, 1, "into")) return false;
  bool values = false;
  for (size_t i = 2; i < t.size(); ++i) {
    if (t[i].kind == Token::kMark && t[i].text == ";") return false;
    if (IsWord(t, i, "select") || IsWord(t, i, "conflict") || IsWord(t, i, "returning")) return false;
    values = values || IsWord(t, i, "values");
  }
  return values;
}

std::vector<std::string> TablesNamedIn(std::string_view sql) {
  std::vector<Token> t = Tokens(sql);
  std::vector<std::string> out = NamedIn(t, 0, t.size());
  Unique(out);
  return out;
}

Result<TableVersions> ReadTableVersions(Database& db, const std::string& tenant_id) {
  TableVersions versions;
  RAPPORT_TRY(db.Read([&](Connection& c) -> Status {
    std::vector<Value> tenants = {tenant_id, std::string()};
    RAPPORT_ASSIGN_OR_RETURN(auto rows, c.Query(fmt::format("SELECT table_name, tenant_id, version, rewrites, high_id FROM {} "
                                                            "WHERE tenant_id IN (?, ?)",
                                                            kTableVersions),
                                                tenants));
    for (const auto& row : rows.rows) {
      TableVersion& v = versions[TextOf(row[0])];
      const int64_t version = IntOf(row[2]);
      v.version += version;
      if (TextOf(row[1]).empty()) {
        v.shared = version;
      } else {
        v.rewrites = IntOf(row[3]);
        v.high_id = IsNull(row[4]) ? std::string() : TextOf(row[4]);
      }
    }
    return Ok();
  }));
  return versions;
}

}  // namespace rapport::storage
