// The filter builder's model and its two-way mapping to Rapport's expression language
// (docs/api.md): a list of conditions joined by `and` or `or` is written as text, and
// text of that shape is read back into conditions. Anything richer (nesting, mixed
// and/or, functions in odd places) stays in text mode, exactly as typed.
import type { FieldMeta, FieldType } from "../api/types";

export type Operator =
  | "=" | "!=" | "<" | "<=" | ">" | ">=" | "~" | "starts_with" | "ends_with"
  | "in" | "not in" | "is null" | "is not null";

export interface Condition {
  field: string;
  op: Operator;
  value: string; // as typed; lists (in / not in) are comma-separated
}

export interface FilterModel {
  join: "and" | "or";
  conditions: Condition[];
}

export const operatorLabels: Record<Operator, string> = {
  "=": "is", "!=": "is not", "<": "less than", "<=": "at most", ">": "greater than", ">=": "at least",
  "~": "contains", starts_with: "starts with", ends_with: "ends with", in: "is any of", "not in": "is none of",
  "is null": "is empty", "is not null": "is not empty",
};

const TEXTUAL: FieldType[] = ["text", "long_text", "email", "phone", "url"];
const ORDERED: FieldType[] = ["integer", "decimal", "percent", "currency", "date"];

export function operatorsFor(field: FieldMeta): Operator[] {
  if (field.encryption === "deterministic") return ["=", "!=", "in", "not in", "is null", "is not null"];
  if (field.encryption) return ["is null", "is not null"];
  if (TEXTUAL.includes(field.type)) return ["~", "=", "!=", "starts_with", "ends_with", "is null", "is not null"];
  if (ORDERED.includes(field.type)) return ["=", "!=", "<", "<=", ">", ">=", "is null", "is not null"];
  // An instant is never exactly equal to what a person types: before and after only.
  if (field.type === "datetime") return ["<", ">=", "is null", "is not null"];
  if (field.type === "picklist") return ["=", "!=", "in", "not in", "is null", "is not null"];
  if (field.type === "multi_picklist") return ["~", "is null", "is not null"];
  if (field.type === "boolean") return ["=", "is null", "is not null"];
  return ["=", "!=", "is null", "is not null"];
}

export function needsValue(op: Operator): boolean {
  return op !== "is null" && op !== "is not null";
}

// Records whose title matches every word typed, in any of its title fields:
// "ada love" finds first_name "Ada", last_name "Lovelace".
export function titleFilter(fields: string[], text: string): string {
  const words = text.trim().split(/\s+/).filter(Boolean).slice(0, 6);
  return words.map((w) => `(${fields.map((f) => `${f} ~ ${quote(w)}`).join(" or ")})`).join(" and ");
}

export function quote(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

const BARE = /^(-?\d+(\.\d+)?|\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?|true|false|null|me\(\)|today\(\)|now\(\)(\s*[-+]\s*\d+[dhmw])?)$/;

function literal(field: FieldMeta | undefined, value: string): string {
  const v = value.trim();
  const numeric = field && ["integer", "decimal", "percent", "currency"].includes(field.type);
  const temporal = field && ["date", "datetime"].includes(field.type);
  if ((numeric || temporal || field?.type === "boolean" || field?.type === "lookup") && BARE.test(v)) return v;
  if (!field && BARE.test(v)) return v;
  return quote(value);
}

export function conditionText(condition: Condition, field: FieldMeta | undefined): string {
  if (!needsValue(condition.op)) return `${condition.field} ${condition.op}`;
  if (condition.op === "in" || condition.op === "not in") {
    const items = condition.value.split(",").map((s) => s.trim()).filter(Boolean);
    return `${condition.field} ${condition.op} (${items.map((i) => literal(field, i)).join(", ")})`;
  }
  return `${condition.field} ${condition.op} ${literal(field, condition.value)}`;
}

export function toExpression(model: FilterModel, fields: FieldMeta[]): string {
  const byName = new Map(fields.map((f) => [f.name, f]));
  return model.conditions
    .filter((c) => c.field && (!needsValue(c.op) || c.value.trim() !== ""))
    .map((c) => conditionText(c, byName.get(c.field)))
    .join(` ${model.join} `);
}

// ---- reading text back ----

type Token = { kind: "word" | "string" | "op" | "punct"; text: string };

function tokenize(text: string): Token[] | null {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === '"' || c === "'") {
      let value = "";
      i++;
      while (i < text.length && text[i] !== c) {
        if (text[i] === "\\" && i + 1 < text.length) i++;
        value += text[i++];
      }
      if (i >= text.length) return null;
      i++;
      tokens.push({ kind: "string", text: value });
      continue;
    }
    const two = text.slice(i, i + 2);
    if (["!=", "<=", ">="].includes(two)) { tokens.push({ kind: "op", text: two }); i += 2; continue; }
    if ("=<>~".includes(c)) { tokens.push({ kind: "op", text: c }); i++; continue; }
    if ("(),".includes(c)) { tokens.push({ kind: "punct", text: c }); i++; continue; }
    const word = /^[A-Za-z0-9_.:\-+]+(\(\))?/.exec(text.slice(i));
    if (!word) return null;
    tokens.push({ kind: "word", text: word[0] });
    i += word[0].length;
  }
  return tokens;
}

// Conditions joined by one kind of connective, or null when the text is richer than
// the builder shows (it then stays in text mode).
export function parseExpression(text: string): FilterModel | null {
  if (text.trim() === "") return { join: "and", conditions: [] };
  const tokens = tokenize(text);
  if (!tokens) return null;
  const conditions: Condition[] = [];
  let join: "and" | "or" | null = null;
  let i = 0;
  const peek = (offset = 0) => tokens[i + offset];
  const isWord = (t: Token | undefined, w: string) => t?.kind === "word" && t.text.toLowerCase() === w;
  while (i < tokens.length) {
    const field = peek();
    if (field?.kind !== "word" || !/^[a-z_][a-z0-9_.]*$/i.test(field.text)) return null;
    i++;
    let op: Operator;
    if (isWord(peek(), "is")) {
      if (isWord(peek(1), "null")) { op = "is null"; i += 2; }
      else if (isWord(peek(1), "not") && isWord(peek(2), "null")) { op = "is not null"; i += 3; }
      else return null;
      conditions.push({ field: field.text, op, value: "" });
    } else {
      if (isWord(peek(), "not") && isWord(peek(1), "in")) { op = "not in"; i += 2; }
      else if (isWord(peek(), "in")) { op = "in"; i++; }
      else if (isWord(peek(), "starts_with") || isWord(peek(), "ends_with")) { op = peek()!.text.toLowerCase() as Operator; i++; }
      else if (peek()?.kind === "op") { op = peek()!.text as Operator; i++; }
      else return null;
      if (op === "in" || op === "not in") {
        if (peek()?.text !== "(") return null;
        i++;
        const items: string[] = [];
        while (peek() && peek()!.text !== ")") {
          const t = peek()!;
          // The builder keeps a list as comma-separated text: an item with a comma of
          // its own stays in text mode.
          if ((t.kind !== "string" && t.kind !== "word") || t.text.includes(",")) return null;
          items.push(t.text);
          i++;
          if (peek()?.text === ",") i++;
        }
        if (peek()?.text !== ")") return null;
        i++;
        conditions.push({ field: field.text, op, value: items.join(", ") });
      } else {
        const value = peek();
        if (!value || (value.kind !== "string" && value.kind !== "word")) return null;
        i++;
        conditions.push({ field: field.text, op, value: value.text });
      }
    }
    if (i < tokens.length) {
      const connective = peek()?.text.toLowerCase();
      if (connective !== "and" && connective !== "or") return null;
      if (join && join !== connective) return null;
      join = connective;
      i++;
      if (i >= tokens.length) return null;
    }
  }
  return { join: join ?? "and", conditions };
}
