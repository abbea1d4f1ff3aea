import { afterEach, describe, expect, it, vi } from "vitest";
import { api, forgetPrefetched, peekPrefetched, prefetch, takeRead } from "./client";

// Counts the requests that reach the network and answers each with its own number.
function stubNetwork() {
  let calls = 0;
  const fetch = vi.fn(async () => new Response(JSON.stringify({ call: ++calls }), { status: 200, headers: { "Content-Type": "application/json" } }));
  vi.stubGlobal("fetch", fetch);
  return fetch;
}

afterEach(() => {
  forgetPrefetched();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("prefetch", () => {
  it("hands its answer to the first request for the path, and only to that one", async () => {
    const fetch = stubNetwork();
    prefetch("/metadata/objects");
    expect(await api.get("/metadata/objects")).toEqual({ call: 1 });
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(await api.get("/metadata/objects")).toEqual({ call: 2 });
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it("does not replay an answer fetched long before it was asked for", async () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    const fetch = stubNetwork();
    prefetch("/objects/people?limit=100");
    vi.advanceTimersByTime(6000);
    expect(await api.get("/objects/people?limit=100")).toEqual({ call: 2 });
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it("asks again when the answer fetched ahead was a failure", async () => {
    let calls = 0;
    vi.stubGlobal("fetch", vi.fn(async () => (++calls === 1 ? new Response("{}", { status: 401 }) : new Response('{"ok":true}', { status: 200 }))));
    prefetch("/auth/session");
    expect(await api.get("/auth/session")).toEqual({ ok: true });
    expect(calls).toBe(2);
  });
});

describe("peekPrefetched", () => {
  it("reads an answer fetched ahead without taking it from the request that will", async () => {
    const fetch = stubNetwork();
    prefetch("/metadata/objects");
    expect(await peekPrefetched("/metadata/objects")).toEqual({ call: 1 });
    expect(await api.get("/metadata/objects")).toEqual({ call: 1 });
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(await peekPrefetched("/metadata/objects")).toBeUndefined();
  });
});

describe("takeRead", () => {
  it("hands an answer already read to one render, which then has it from nobody else", async () => {
    const fetch = stubNetwork();
    prefetch("/auth/session");
    expect(takeRead("/auth/session")).toBeUndefined();  // not read yet
    await peekPrefetched("/auth/session");
    expect(takeRead("/auth/session")).toEqual({ call: 1 });
    expect(takeRead("/auth/session")).toBeUndefined();
    prefetch("/auth/session");  // just answered: not asked again
    expect(await api.get("/auth/session")).toEqual({ call: 2 });
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it("gives nothing for an answer read long before, or a failure", async () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    stubNetwork();
    prefetch("/metadata/objects");
    await peekPrefetched("/metadata/objects");
    vi.advanceTimersByTime(6000);
    expect(takeRead("/metadata/objects")).toBeUndefined();
    vi.stubGlobal("fetch", vi.fn(async () => new Response("{}", { status: 401 })));
    prefetch("/auth/session");
    expect(await peekPrefetched("/auth/session")).toBeUndefined();
    expect(takeRead("/auth/session")).toBeUndefined();
  });
});

describe("answers fetched ahead after a write", () => {
  it("are dropped, so a list opened right after shows the write", async () => {
    const fetch = stubNetwork();
    prefetch("/objects/people?limit=100");
    await api.post("/objects/people", { last_name: "New" });
    expect(await api.get("/objects/people?limit=100")).toEqual({ call: 3 });
    expect(fetch).toHaveBeenCalledTimes(3);
  });
  it("are not asked for again right after the same path was answered", async () => {
    const fetch = stubNetwork();
    prefetch("/metadata/objects");
    await api.get("/metadata/objects");
    prefetch("/metadata/objects");  // main.tsx arriving late
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});
