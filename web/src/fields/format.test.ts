import { describe, expect, it } from "vitest";
import type { FieldMeta } from "../api/types";
import { toApiValue, validate, valueText } from "./format";

const field = (type: FieldMeta["type"], extra: Partial<FieldMeta> = {}): FieldMeta => ({
  name: "f", label: "Field", type, required: false, unique: false, read_only: false, custom: false, sortable: true, ...extra,
});

describe("client-side checks mirror the server's field types", () => {
  it("requires required fields, and accepts empty optional ones", () => {
    expect(validate(field("text", { required: true }), "")).toBe("Field is required.");
    expect(validate(field("text"), "")).toBeNull();
    expect(validate(field("currency", { required: true }), { amount: "", currency: "EUR" })).toBe("Field is required.");
  });
  it("counts text length in characters, not bytes", () => {
    expect(validate(field("text", { max_length: 3 }), "äöü")).toBeNull();
    expect(validate(field("text", { max_length: 3 }), "äöüß")).toMatch(/At most 3/);
  });
  it("checks emails, phones and links", () => {
    expect(validate(field("email"), "a@b.co")).toBeNull();
    expect(validate(field("email"), "a@b")).not.toBeNull();
    expect(validate(field("phone"), "+49 30 1234567 ext. 12")).toBeNull();
    expect(validate(field("phone"), "12345")).toMatch(/7 to 15/);
    expect(validate(field("url"), "acme.com")).toBeNull();
    expect(validate(field("url"), "ftp://acme.com")).toMatch(/http/);
    expect(validate(field("url"), "not a web address")).not.toBeNull();
  });
  it("checks numbers, their decimals and bounds", () => {
    expect(validate(field("integer"), "12")).toBeNull();
    expect(validate(field("integer"), "1.5")).toBe("Enter a whole number.");
    expect(validate(field("decimal"), "1.23456")).toMatch(/4 decimals/);
    expect(validate(field("percent"), "101")).toMatch(/At most 100/);
    expect(validate(field("integer", { min_value: 1 }), "0")).toMatch(/At least 1/);
    expect(validate(field("currency"), { amount: "10.999", currency: "USD" })).toMatch(/2 decimals/);
  });
  it("checks calendar dates and picklist options", () => {
    expect(validate(field("date"), "2026-02-29")).toBe("No such date.");
    expect(validate(field("date"), "2028-02-29")).toBeNull();
    const pick = field("picklist", { options: [{ value: "a", label: "A" }] });
    expect(validate(pick, "a")).toBeNull();
    expect(validate(pick, "b")).not.toBeNull();
  });
  it("turns what inputs hold into the API's JSON", () => {
    expect(toApiValue(field("integer"), "42")).toBe(42);
    expect(toApiValue(field("text"), "")).toBeNull();
    expect(toApiValue(field("currency"), { amount: " 5.50 ", currency: "EUR" })).toEqual({ amount: "5.50", currency: "EUR" });
    expect(toApiValue(field("currency"), { amount: "", currency: "EUR" })).toBeNull();
  });
  it("reads values as text for CSV and titles", () => {
    expect(valueText(field("boolean"), false)).toBe("No");
    expect(valueText(field("multi_picklist", { options: [{ value: "x", label: "Ex" }, { value: "y", label: "Why" }] }), ["x", "y"])).toBe("Ex, Why");
  });
});
