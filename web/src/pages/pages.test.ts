import { describe, expect, it } from "vitest";
import { titleFilter } from "../filter/expression";
import { sameOriginPath } from "./LoginPage";
import { editedOptions } from "./settings/ObjectsPage";
import { browserOf } from "./settings/SignInPage";

describe("after sign-in, only a path on this origin", () => {
  it("keeps paths, queries and fragments", () => {
    expect(sameOriginPath("/o/companies?filter=a#x")).toBe("/o/companies?filter=a#x");
    expect(sameOriginPath(null)).toBe("/");
  });
  it("never leaves for another site, however it is spelled", () => {
    for (const next of ["//evil.example", "/\\\\evil.example", "https://evil.example/", "/%09/evil.example", "\\t//evil.example", "javascript:alert(1)"]) {
      const path = sameOriginPath(next);
      expect(new URL(path, window.location.origin).origin, next).toBe(window.location.origin);
      expect(path.startsWith("/"), next).toBe(true);
    }
  });
});

describe("editing a picklist's values", () => {
  const old = [{ value: "gold", label: "Gold" }, { value: "silver", label: "Silver" }];
  it("keeps existing values, adds new ones, and reorders", () => {
    expect(editedOptions(old, ["Platinum", "Gold", "Silver"])).toEqual([
      { value: "platinum", label: "Platinum" }, { value: "gold", label: "Gold" }, { value: "silver", label: "Silver" },
    ]);
  });
  it("treats a changed line in an option's place as a rename that keeps the stored value", () => {
    expect(editedOptions(old, ["Gold", "Silver plus"])).toEqual([{ value: "gold", label: "Gold" }, { value: "silver", label: "Silver plus" }]);
  });
});

describe("searching by title", () => {
  it("matches every word in any title field", () => {
    expect(titleFilter(["first_name", "last_name"], " ada  love ")).toBe(
      '(first_name ~ "ada" or last_name ~ "ada") and (first_name ~ "love" or last_name ~ "love")',
    );
    expect(titleFilter(["name"], "")).toBe("");
  });
});

describe("browserOf", () => {
  it("names the browser and system of a user agent", () => {
    expect(browserOf("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36")).toBe("Chrome on Linux");
    expect(browserOf("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")).toBe("Safari on iOS");
    expect(browserOf("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0")).toBe("Firefox on Windows");
    expect(browserOf("curl/7.88.1")).toBe("curl");
    expect(browserOf("")).toBe("unknown");
  });
});
