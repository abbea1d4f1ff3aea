import { describe, expect, it } from "vitest";
import type { ObjectMeta } from "../api/types";
import { may, mayChangeOwned } from "./permissions";

const object = (permissions?: ObjectMeta["permissions"]): ObjectMeta => ({
  name: "companies", label: "Company", label_plural: "Companies", custom: false, title_field: "name", fields: [], permissions,
});

describe("may", () => {
  it("follows the scopes and the export flag", () => {
    const reader = object({ create: "none", read: "all", edit: "own", delete: "none", export: false });
    expect(may(reader, "create")).toBe(false);
    expect(may(reader, "edit")).toBe(true);
    expect(may(reader, "delete")).toBe(false);
    expect(may(reader, "export")).toBe(false);
    expect(may(object({ create: "all", read: "all", edit: "all", delete: "all", export: true }), "export")).toBe(true);
  });
  it("offers everything when the server does not say", () => {
    expect(may(object(), "export")).toBe(true);
  });
});

describe("mayChangeOwned", () => {
  const me = { user_id: "u1", is_admin: false, read_only: false };
  it("lets the author change a report or dashboard, and an administrator a shared one", () => {
    expect(mayChangeOwned({ owner_id: "u1", shared: false }, me)).toBe(true);
    expect(mayChangeOwned({ owner_id: "u2", shared: true }, me)).toBe(false);
    expect(mayChangeOwned({ owner_id: "u2", shared: true }, { ...me, is_admin: true })).toBe(true);
    expect(mayChangeOwned({ owner_id: "u2", shared: false }, { ...me, is_admin: true })).toBe(false);
    expect(mayChangeOwned({ owner_id: "u1", shared: false }, { ...me, read_only: true })).toBe(false);
  });
});
