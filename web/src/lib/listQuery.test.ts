import { afterEach, describe, expect, it, vi } from "vitest";
import { forgetPrefetched, prefetch } from "../api/client";
import type { ObjectMeta } from "../api/types";
import { columnsKey, defaultColumns, fetchedFields, firstPagePath, listColumns, prefetchListOfLocation } from "./listQuery";

const field = (name: string, type = "text") => ({ name, label: name, type, required: false, unique: false, read_only: false, sortable: true });
const people = {
  name: "people", label: "Person", label_plural: "People", custom: false, title_field: "last_name",
  fields: [field("id", "id"), field("first_name"), field("last_name"), field("email", "email"), field("notes", "long_text"), field("phone", "phone")],
} as unknown as ObjectMeta;

afterEach(() => {
  forgetPrefetched();
  vi.unstubAllGlobals();
  localStorage.clear();
  window.history.replaceState(null, "", "/");
});

describe("the list's query", () => {
  it("takes the URL's columns, else the stored ones, else the defaults, and drops unknown names", () => {
    expect(defaultColumns(people)).toEqual(["first_name", "last_name", "email", "phone"]);
    expect(listColumns(people, "email,gone", ["phone"])).toEqual(["email"]);
    expect(listColumns(people, null, ["phone", "gone"])).toEqual(["phone"]);
    expect(listColumns(people, null, null)).toEqual(defaultColumns(people));
    expect(fetchedFields(people, ["email"])).toEqual(["email", "first_name", "last_name"]);
  });

  it("is asked for on a cold load exactly as the list page will ask for it", async () => {
    const urls: string[] = [];
    vi.stubGlobal("fetch", vi.fn(async (url: string) => {
      urls.push(url);
      const body = url.endsWith("/auth/session") ? { user_id: "u1" } : url.endsWith("/metadata/objects") ? { data: [people] } : { data: [] };
      return new Response(JSON.stringify(body), { status: 200 });
    }));
    localStorage.setItem(columnsKey("u1", "people"), JSON.stringify(["email", "phone"]));
    window.history.replaceState(null, "", "/o/people?sort=-email&filter=email%20~%20%22a%22");
    prefetch("/auth/session");
    prefetch("/metadata/objects");
    await prefetchListOfLocation();
    const expected = firstPagePath("people", 'email ~ "a"', "-email", fetchedFields(people, ["email", "phone"]));
    expect(urls).toEqual(["/api/v1/auth/session", "/api/v1/metadata/objects", `/api/v1${expected}`]);
    // The list page asking for the same page gets that request, not a second one.
    prefetch(expected);
    expect(urls).toHaveLength(3);
  });

  it("leaves saved views and other pages alone", async () => {
    const fetch = vi.fn(async () => new Response("{}", { status: 200 }));
    vi.stubGlobal("fetch", fetch);
    window.history.replaceState(null, "", "/o/people?view=v1");
    await prefetchListOfLocation();
    window.history.replaceState(null, "", "/o/people/123");
    await prefetchListOfLocation();
    expect(fetch).not.toHaveBeenCalled();
  });
});
