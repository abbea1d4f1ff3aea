// Lexer and recursive-descent parser for the filter language.
//
// Grammar (keywords case-insensitive):
//   expr       := and_expr ("or" and_expr)*
//   and_expr   := not_expr ("and" not_expr)*
//   not_expr   := "not" not_expr | "(" expr ")" | comparison
//   comparison := path ( cmp value | "~" value | "starts_with" value | "ends_with" value
//                      | ["not"] "in" "(" value ("," value)* ")"
//                      | "is" ["not"] "null" | "between" value "and" value
//                      | "was" value | "was" "in" "(" value ("," value)* ")" )
//   value      := term (("+" | "-") DURATION)*
//   term       := STRING | ["-"] NUMBER | DATE | DATETIME | true | false | null
//               | ("me" | "today" | "now") "(" ")"
#include <fmt/format.h>

#include <cctype>
#include <optional>
#include <utility>

#include "core/strings.h"
#include "core/time.h"
#include "query/expression.h"
#include "query/internal/ast.h"

namespace rapport::query {
namespace internal {

std::string_view CompareOpText(CompareOp op) {
  switch (op) {
    case CompareOp::kEq: return "=";
    case CompareOp::kNe: return "!=";
    case CompareOp::kLt: return "<";
    case CompareOp::kLe: return "<=";
    case CompareOp::kGt: return ">";
    case CompareOp::kGe: return ">=";
    case CompareOp::kContains: return "~";
    case CompareOp::kStartsWith: return "starts_with";
    case CompareOp::kEndsWith: return "ends_with";
    case CompareOp::kIn: return "in";
    case CompareOp::kWas: return "was";
    case CompareOp::kWasIn: return "was in";
    case CompareOp::kNotIn: return "not in";
    case CompareOp::kIsNull: return "is null";
    case CompareOp::kIsNotNull: return "is not null";
    case CompareOp::kBetween: return "between";
  }
  return "?";
}

namespace {

enum class Tok {
  kEnd, kIdent, kString, kNumber, kDuration, kDate, kDatetime,
  kLParen, kRParen, kComma, kDot, kPlus, kMinus, kCompare,
};

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;  // ident/number/date as written; string contents unescaped
  int position = 0;  // 1-based
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }

std::unexpected<Error> SyntaxError(std::string_view what, int position) {
  return Fail(ErrorCode::kInvalidArgument, fmt::format("{} at position {}", what, position));
}

// How a token reads in an error message.
std::string Describe(const Token& t) {
  switch (t.kind) {
    case Tok::kEnd: return "end of input";
    case Tok::kString: return fmt::format("string \"{}\"", t.text.size() > 20 ? t.text.substr(0, 20) + "..." : t.text);
    default: return fmt::format("`{}`", t.text.size() > 20 ? t.text.substr(0, 20) + "..." : t.text);
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  Result<std::vector<Token>> Run() {
    std::vector<Token> tokens;
    while (true) {
      while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
      if (pos_ >= text_.size()) break;
      RAPPORT_ASSIGN_OR_RETURN(Token t, Next());
      tokens.push_back(std::move(t));
    }
    tokens.push_back(Token{Tok::kEnd, "", static_cast<int>(text_.size()) + 1});
    return tokens;
  }

 private:
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  int Position() const { return static_cast<int>(pos_) + 1; }

  Result<Token> Next() {
    const char c = Peek();
    const int start = Position();
    auto single = [&](Tok kind) {
      ++pos_;
      return Token{kind, std::string(1, c), start};
    };
    switch (c) {
      case '(': return single(Tok::kLParen);
      case ')': return single(Tok::kRParen);
      case ',': return single(Tok::kComma);
      case '.': return single(Tok::kDot);
      case '+': return single(Tok::kPlus);
      case '-': return single(Tok::kMinus);
      case '~': return single(Tok::kCompare);
      case '=': return single(Tok::kCompare);
      case '"':
      case '\'': return LexString(c);
      case '!':
        if (Peek(1) == '=') {
          pos_ += 2;
          return Token{Tok::kCompare, "!=", start};
        }
        return SyntaxError("Unexpected `!` (did you mean `!=` or `not`?)", start);
      case '<':
      case '>': {
        std::string_view op = c == '<' ? "<" : ">";
        ++pos_;
        if (Peek() == '=') {
          op = c == '<' ? "<=" : ">=";
          ++pos_;
        } else if (c == '<' && Peek() == '>') {
          op = "!=";  // SQL's spelling
          ++pos_;
        }
        return Token{Tok::kCompare, std::string(op), start};
      }
      default: break;
    }
    if (IsDigit(c)) return LexNumberOrDate();
    if (IsIdentStart(c)) {
      size_t begin = pos_;
      while (IsIdentChar(Peek())) ++pos_;
      return Token{Tok::kIdent, std::string(text_.substr(begin, pos_ - begin)), start};
    }
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      return SyntaxError("Unexpected character", start);
    }
    return SyntaxError(fmt::format("Unexpected character `{}`", c), start);
  }

  Result<Token> LexString(char quote) {
    const int start = Position();
    ++pos_;
    std::string out;
    while (true) {
      if (pos_ >= text_.size()) return SyntaxError("Unterminated string starting", start);
      char c = text_[pos_++];
      if (c == quote) break;
      if (c == '\\') {
        if (pos_ >= text_.size()) return SyntaxError("Unterminated string starting", start);
        char e = text_[pos_++];
        if (e != '\\' && e != '"' && e != '\'') {
          return SyntaxError(fmt::format("Unknown escape `\\{}` in string", e),
                             static_cast<int>(pos_) - 1);
        }
        c = e;
      }
      out += c;
    }
    if (!IsValidUtf8(out)) return SyntaxError("String is not valid UTF-8", start);
    return Token{Tok::kString, std::move(out), start};
  }

  bool LooksLikeDate() const {
    auto d = [&](size_t i) { return IsDigit(Peek(i)); };
    return d(0) && d(1) && d(2) && d(3) && Peek(4) == '-' && d(5) && d(6) && Peek(7) == '-' &&
           d(8) && d(9);
  }

  Result<Token> LexNumberOrDate() {
    const int start = Position();
    const size_t begin = pos_;
    if (LooksLikeDate()) {
      pos_ += 10;
      if (Peek() != 'T' && Peek() != 't') {
        std::string text(text_.substr(begin, 10));
        if (IsIdentChar(Peek())) return SyntaxError("Invalid date", start);
        if (!ParseDateDays(text)) return SyntaxError(fmt::format("Invalid date `{}`", text), start);
        return Token{Tok::kDate, std::move(text), start};
      }
      ++pos_;
      while (IsDigit(Peek()) || Peek() == ':' || Peek() == '.') ++pos_;
      if (Peek() == 'Z' || Peek() == 'z') {
        ++pos_;
      } else if ((Peek() == '+' || Peek() == '-') && IsDigit(Peek(1)) && IsDigit(Peek(2)) &&
                 Peek(3) == ':' && IsDigit(Peek(4)) && IsDigit(Peek(5))) {
        pos_ += 6;
      }
      std::string text(text_.substr(begin, pos_ - begin));
      if (IsIdentChar(Peek()) || !ParseDatetime(text)) {
        return SyntaxError(fmt::format("Invalid datetime `{}` (expected e.g. 2026-01-01T10:00:00Z)",
                                       text.substr(0, 40)),
                           start);
      }
      return Token{Tok::kDatetime, std::move(text), start};
    }
    while (IsDigit(Peek())) ++pos_;
    if (Peek() == '.' && IsDigit(Peek(1))) {
      ++pos_;
      while (IsDigit(Peek())) ++pos_;
    }
    std::string text(text_.substr(begin, pos_ - begin));
    const char unit = Peek();
    if ((unit == 'd' || unit == 'h' || unit == 'm' || unit == 'w') && !IsIdentChar(Peek(1))) {
      ++pos_;
      if (text.find('.') != std::string::npos) {
        return SyntaxError("A duration must be a whole number", start);
      }
      return Token{Tok::kDuration, text + unit, start};
    }
    if (IsIdentChar(Peek())) {
      return SyntaxError(fmt::format("Invalid number `{}{}` (durations are d, h, m or w)", text,
                                     Peek()),
                         start);
    }
    return Token{Tok::kNumber, std::move(text), start};
  }

  std::string_view text_;
  size_t pos_ = 0;
};

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<AstNode> ParseAll() {
    RAPPORT_ASSIGN_OR_RETURN(AstNode root, ParseOr());
    if (Cur().kind != Tok::kEnd) {
      return SyntaxError(fmt::format("Expected `and`, `or` or end of input, found {}",
                                     Describe(Cur())),
                         Cur().position);
    }
    return root;
  }

 private:
  const Token& Cur() const { return tokens_[index_]; }
  const Token& Prev() const { return tokens_[index_ - 1]; }
  const Token& Advance() { return tokens_[index_ < tokens_.size() - 1 ? index_++ : index_]; }
  bool IsKeyword(const Token& t, std::string_view word) const {
    return t.kind == Tok::kIdent && AsciiLower(t.text) == word;
  }
  bool AtKeyword(std::string_view word) const { return IsKeyword(Cur(), word); }

  // Guards the recursion: parentheses and `not` are the only ways to nest.
  Status Enter() {
    if (++depth_ > kMaxNestingDepth) {
      return SyntaxError(fmt::format("Expression nests too deeply (limit {})", kMaxNestingDepth),
                         Cur().position);
    }
    return Ok();
  }

  Result<AstNode> ParseOr() { return ParseChain(AstNode::Kind::kOr, "or"); }
  Result<AstNode> ParseAnd() { return ParseChain(AstNode::Kind::kAnd, "and"); }

  // a <word> b <word> c → one n-ary node (flat, so long chains don't nest deeply).
  Result<AstNode> ParseChain(AstNode::Kind kind, std::string_view word) {
    auto operand = [&]() { return kind == AstNode::Kind::kOr ? ParseAnd() : ParseNot(); };
    RAPPORT_ASSIGN_OR_RETURN(AstNode first, operand());
    if (!AtKeyword(word)) return first;
    AstNode chain;
    chain.kind = kind;
    chain.children.push_back(std::move(first));
    while (AtKeyword(word)) {
      Advance();
      RAPPORT_ASSIGN_OR_RETURN(AstNode next, operand());
      chain.children.push_back(std::move(next));
    }
    return chain;
  }

  Result<AstNode> ParseNot() {
    if (AtKeyword("not")) {
      RAPPORT_TRY(Enter());
      Advance();
      RAPPORT_ASSIGN_OR_RETURN(AstNode inner, ParseNot());
      --depth_;
      AstNode node;
      node.kind = AstNode::Kind::kNot;
      node.children.push_back(std::move(inner));
      return node;
    }
    if (Cur().kind == Tok::kLParen) {
      RAPPORT_TRY(Enter());
      const int open = Cur().position;
      Advance();
      RAPPORT_ASSIGN_OR_RETURN(AstNode inner, ParseOr());
      if (Cur().kind != Tok::kRParen) {
        return SyntaxError(fmt::format("Expected `)` to close `(` at position {}, found {}", open,
                                       Describe(Cur())),
                           Cur().position);
      }
      Advance();
      --depth_;
      return inner;
    }
    return ParseComparison();
  }

  Result<AstNode> ParseComparison() {
    AstNode node;
    node.kind = AstNode::Kind::kCompare;
    if (Cur().kind != Tok::kIdent || IsReserved(Cur())) {
      return SyntaxError(fmt::format("Expected a field name, found {}", Describe(Cur())),
                         Cur().position);
    }
    node.path_position = Cur().position;
    node.path = Advance().text;
    if (Cur().kind == Tok::kDot) {
      Advance();
      if (Cur().kind != Tok::kIdent) {
        return SyntaxError(fmt::format("Expected a field name after `{}.`", node.path),
                           Cur().position);
      }
      node.path += "." + Advance().text;
      if (Cur().kind == Tok::kDot) {
        return SyntaxError("Only one level of relation is supported (`relation.field`)",
                           Cur().position);
      }
    }
    node.op_position = Cur().position;
    const Token& op = Cur();
    if (op.kind == Tok::kCompare) {
      Advance();
      static constexpr std::pair<std::string_view, CompareOp> kOps[] = {
          {"=", CompareOp::kEq},  {"!=", CompareOp::kNe}, {"<", CompareOp::kLt},
          {"<=", CompareOp::kLe}, {">", CompareOp::kGt},  {">=", CompareOp::kGe},
          {"~", CompareOp::kContains}};
      for (const auto& [text, value] : kOps) {
        if (op.text == text) node.op = value;
      }
      RAPPORT_TRY(ParseOperands(node, 1));
    } else if (AtKeyword("starts_with") || AtKeyword("ends_with")) {
      node.op = AtKeyword("starts_with") ? CompareOp::kStartsWith : CompareOp::kEndsWith;
      Advance();
      RAPPORT_TRY(ParseOperands(node, 1));
    } else if (AtKeyword("between")) {
      node.op = CompareOp::kBetween;
      Advance();
      RAPPORT_TRY(ParseOperands(node, 1));
      if (!AtKeyword("and")) {
        return SyntaxError(fmt::format("Expected `and` in `between ... and ...`, found {}",
                                       Describe(Cur())),
                           Cur().position);
      }
      Advance();
      RAPPORT_TRY(ParseOperands(node, 1));
    } else if (AtKeyword("is")) {
      Advance();
      node.op = CompareOp::kIsNull;
      if (AtKeyword("not")) {
        Advance();
        node.op = CompareOp::kIsNotNull;
      }
      if (!AtKeyword("null")) {
        return SyntaxError(fmt::format("Expected `null` after `is`, found {}", Describe(Cur())),
                           Cur().position);
      }
      Advance();
    } else if (AtKeyword("was")) {
      Advance();
      node.op = CompareOp::kWas;
      if (AtKeyword("in")) {
        node.op = CompareOp::kWasIn;
        Advance();
        RAPPORT_TRY(ParseList(node));
      } else {
        RAPPORT_TRY(ParseOperands(node, 1));
      }
    } else if (AtKeyword("in") || (AtKeyword("not") && IsKeyword(tokens_[index_ + 1], "in"))) {
      node.op = CompareOp::kIn;
      if (AtKeyword("not")) {
        node.op = CompareOp::kNotIn;
        Advance();
      }
      Advance();
      RAPPORT_TRY(ParseList(node));
    } else {
      return SyntaxError(fmt::format("Expected an operator after `{}`, found {}", node.path,
                                     Describe(Cur())),
                         Cur().position);
    }
    return node;
  }

  Status ParseList(AstNode& node) {
    if (Cur().kind != Tok::kLParen) {
      return SyntaxError(fmt::format("Expected `(` after `in`, found {}", Describe(Cur())),
                         Cur().position);
    }
    Advance();
    if (Cur().kind == Tok::kRParen) {
      return SyntaxError("`in (...)` needs at least one value", Cur().position);
    }
    while (true) {
      RAPPORT_TRY(ParseOperands(node, 1));
      if (Cur().kind == Tok::kComma) {
        Advance();
        continue;
      }
      if (Cur().kind == Tok::kRParen) {
        Advance();
        return Ok();
      }
      return SyntaxError(fmt::format("Expected `,` or `)` in the `in` list, found {}",
                                     Describe(Cur())),
                         Cur().position);
    }
  }

  // Appends `count` values; errors name the operator the value should follow.
  Status ParseOperands(AstNode& node, int count) {
    for (int i = 0; i < count; ++i) {
      const Token& before = Prev();
      RAPPORT_ASSIGN_OR_RETURN(AstValue value, ParseValue(before));
      node.values.push_back(std::move(value));
    }
    return Ok();
  }

  static bool IsReserved(const Token& t) {
    static constexpr std::string_view kReserved[] = {"and", "or", "not", "in", "is", "null",
                                                     "between", "true", "false"};
    std::string lower = AsciiLower(t.text);
    for (auto word : kReserved) {
      if (lower == word) return true;
    }
    return false;
  }

  Result<AstValue> ParseValue(const Token& after) {
    RAPPORT_ASSIGN_OR_RETURN(AstValue value, ParseTerm(after));
    while (Cur().kind == Tok::kPlus || Cur().kind == Tok::kMinus) {
      const Token& sign = Advance();
      if (Cur().kind != Tok::kDuration) {
        return SyntaxError(fmt::format("Expected a duration like 30d, 12h, 15m or 2w after `{}`, "
                                       "found {}",
                                       sign.text, Describe(Cur())),
                           Cur().position);
      }
      const Token& d = Advance();
      Duration duration;
      duration.subtract = sign.kind == Tok::kMinus;
      duration.unit = d.text.back();
      duration.position = d.position;
      std::string_view digits(d.text.data(), d.text.size() - 1);
      // Ten million weeks is far beyond the supported date range; the cap only keeps
      // the arithmetic away from overflow.
      if (digits.size() > 7) return SyntaxError("Duration is too large", d.position);
      for (char c : digits) duration.amount = duration.amount * 10 + (c - '0');
      value.offsets.push_back(duration);
    }
    return value;
  }

  Result<AstValue> ParseTerm(const Token& after) {
    AstValue v;
    v.position = Cur().position;
    const Token& t = Cur();
    switch (t.kind) {
      case Tok::kString:
        v.kind = AstValue::Kind::kString;
        v.text = Advance().text;
        return v;
      case Tok::kNumber:
        v.kind = AstValue::Kind::kNumber;
        v.text = Advance().text;
        return v;
      case Tok::kMinus:
        if (tokens_[index_ + 1].kind == Tok::kNumber) {
          Advance();
          v.kind = AstValue::Kind::kNumber;
          v.text = "-" + Advance().text;
          return v;
        }
        break;
      case Tok::kDate:
        v.kind = AstValue::Kind::kDate;
        v.text = Advance().text;
        return v;
      case Tok::kDatetime:
        v.kind = AstValue::Kind::kDatetime;
        v.text = Advance().text;
        return v;
      case Tok::kIdent: {
        const std::string word = AsciiLower(t.text);
        if (word == "true" || word == "false") {
          Advance();
          v.kind = AstValue::Kind::kBool;
          v.boolean = word == "true";
          return v;
        }
        if (word == "null") {
          Advance();
          v.kind = AstValue::Kind::kNull;
          return v;
        }
        if (word == "me" || word == "today" || word == "now") {
          Advance();
          if (Cur().kind != Tok::kLParen || tokens_[index_ + 1].kind != Tok::kRParen) {
            return SyntaxError(fmt::format("Expected `()` after `{}`", word), Cur().position);
          }
          Advance();
          Advance();
          v.kind = word == "me"      ? AstValue::Kind::kMe
                   : word == "today" ? AstValue::Kind::kToday
                                     : AstValue::Kind::kNow;
          return v;
        }
        if (IsReserved(t)) break;  // `amount >= and`: the value is missing
        return SyntaxError(fmt::format("Unknown function or value `{}` (expected a quoted string, "
                                       "number, date, true, false, null, me(), today() or now())",
                                       t.text.substr(0, 40)),
                           t.position);
      }
      default: break;
    }
    return SyntaxError(fmt::format("Expected a value after `{}`", after.text), t.position);
  }

  std::vector<Token> tokens_;
  size_t index_ = 0;
  int depth_ = 0;
};

}  // namespace
}  // namespace internal

Result<Ast> Parse(std::string_view text) {
  if (text.size() > kMaxExpressionBytes) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("Expression is too long ({} bytes, limit {}) at position {}",
                            text.size(), kMaxExpressionBytes, kMaxExpressionBytes + 1));
  }
  RAPPORT_ASSIGN_OR_RETURN(std::vector<internal::Token> tokens, internal::Lexer(text).Run());
  if (tokens.size() == 1) {
    return Fail(ErrorCode::kInvalidArgument, "Expression is empty at position 1");
  }
  internal::Parser parser(std::move(tokens));
  RAPPORT_ASSIGN_OR_RETURN(internal::AstNode root, parser.ParseAll());
  return Ast{std::make_shared<const internal::AstNode>(std::move(root))};
}

std::string QuoteString(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

}  // namespace rapport::query
