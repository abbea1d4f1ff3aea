import { describe, expect, it } from "vitest";
import type { FieldMeta } from "../api/types";
import { conditionText, operatorsFor, parseExpression, quote, toExpression } from "./expression";

const field = (name: string, type: FieldMeta["type"], extra: Partial<FieldMeta> = {}): FieldMeta => ({
  name, label: name, type, required: false, unique: false, read_only: false, custom: false, sortable: true, ...extra,
});
const fields = [field("name", "text"), field("employees", "integer"), field("industry", "picklist"), field("close_date", "date"), field("active", "boolean"), field("owner_id", "lookup")];

describe("the filter builder's expressions", () => {
  it("writes conditions in the expression language, quoting only what is text", () => {
    expect(toExpression({ join: "and", conditions: [
      { field: "name", op: "~", value: 'Acme "North"' },
      { field: "employees", op: ">=", value: "100" },
      { field: "close_date", op: "<", value: "2027-01-01" },
      { field: "industry", op: "in", value: "retail, software" },
      { field: "active", op: "=", value: "true" },
      { field: "owner_id", op: "=", value: "me()" },
    ] }, fields)).toBe('name ~ "Acme \\"North\\"" and employees >= 100 and close_date < 2027-01-01 and industry in ("retail", "software") and active = true and owner_id = me()');
  });

  it("quotes a number typed into a text field, so it stays text", () => {
    expect(conditionText({ field: "name", op: "=", value: "42" }, fields[0])).toBe('name = "42"');
  });

  it("leaves out conditions still missing a value", () => {
    expect(toExpression({ join: "or", conditions: [{ field: "name", op: "~", value: " " }, { field: "industry", op: "is null", value: "" }] }, fields)).toBe("industry is null");
  });

  it("reads back what it writes", () => {
    const text = 'name ~ "a\\\\b" or employees between_typo 3';
    expect(parseExpression(text)).toBeNull();
    const written = 'industry not in ("retail", "media") and name starts_with "Ac" and close_date is not null';
    const model = parseExpression(written)!;
    expect(model.join).toBe("and");
    expect(model.conditions).toEqual([
      { field: "industry", op: "not in", value: "retail, media" },
      { field: "name", op: "starts_with", value: "Ac" },
      { field: "close_date", op: "is not null", value: "" },
    ]);
    expect(toExpression(model, fields)).toBe(written);
  });

  it("keeps richer expressions in text mode", () => {
    expect(parseExpression('a = 1 and (b = 2 or c = 3)')).toBeNull();
    expect(parseExpression('a = 1 and b = 2 or c = 3')).toBeNull();
    expect(parseExpression("created_at > now() - 30d")).toBeNull();
    expect(parseExpression('name ~ "unterminated')).toBeNull();
    expect(parseExpression("")).toEqual({ join: "and", conditions: [] });
  });

  it("offers only the operators a field's type and encryption allow", () => {
    expect(operatorsFor(field("secret", "text", { encryption: "randomized" }))).toEqual(["is null", "is not null"]);
    expect(operatorsFor(field("code", "text", { encryption: "deterministic" }))).not.toContain("~");
    expect(operatorsFor(fields[1])).toContain(">=");
    expect(operatorsFor(fields[0])).not.toContain(">=");
  });

  it("escapes backslashes and quotes", () => {
    expect(quote('a\\b"c')).toBe('"a\\\\b\\"c"');
  });
});
