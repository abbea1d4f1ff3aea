import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ReportDefinition, ReportResult } from "./types";
import { PREVIEW_DELAY_MS, usePreview } from "./usePreview";

const definition = (limit: number): ReportDefinition => ({
  type: "summary", object: "opportunities", filter: "", columns: [], group_by: [{ field: "stage" }], across: [], aggregates: ["count"], sort: "", limit,
});
const result = (limit: number): ReportResult => ({ definition: definition(limit), columns: [], rows: [{ count: limit }] });

// A server whose answers the test releases one by one, in any order.
interface Call { body: ReportDefinition; signal: AbortSignal; answer: (status: number, body: unknown) => void }
let calls: Call[] = [];

beforeEach(() => {
  vi.useFakeTimers();
  calls = [];
  vi.stubGlobal("fetch", vi.fn((_url: string, init: RequestInit) => new Promise<Response>((resolve, reject) => {
    const signal = init.signal!;
    signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
    calls.push({
      body: JSON.parse(String(init.body)), signal,
      answer: (status, body) => resolve(new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } })),
    });
  })));
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const settle = () => act(async () => { await vi.advanceTimersByTimeAsync(0); });

describe("the live preview", () => {
  it("runs once, a pause after the last change", async () => {
    const { result: preview, rerender } = renderHook(({ d }) => usePreview(d, true), { initialProps: { d: definition(1) } });
    expect(preview.current.running).toBe(true);
    await act(async () => { await vi.advanceTimersByTimeAsync(PREVIEW_DELAY_MS - 100); });
    rerender({ d: definition(2) });
    await act(async () => { await vi.advanceTimersByTimeAsync(PREVIEW_DELAY_MS - 100); });
    rerender({ d: definition(3) });
    expect(calls).toHaveLength(0);
    await act(async () => { await vi.advanceTimersByTimeAsync(PREVIEW_DELAY_MS); });
    expect(calls.map((c) => c.body.limit)).toEqual([3]);
    calls[0].answer(200, result(3));
    await settle();
    expect(preview.current).toMatchObject({ running: false, errors: {}, result: { rows: [{ count: 3 }] } });
  });

  it("aborts a run a newer definition overtakes, so its late answer never shows", async () => {
    const { result: preview, rerender } = renderHook(({ d }) => usePreview(d, true), { initialProps: { d: definition(1) } });
    await act(async () => { await vi.advanceTimersByTimeAsync(PREVIEW_DELAY_MS); });
    rerender({ d: definition(2) });
    await act(async () => { await vi.advanceTimersByTimeAsync(PREVIEW_DELAY_MS); });
    expect(calls.map((c) => c.body.limit)).toEqual([1, 2]);
    expect(calls[0].signal.aborted).toBe(true);
    calls[1].answer(200, result(2));
    calls[0].answer(200, result(1));
    await settle();
    expect(preview.current.result?.rows).toEqual([{ count: 2 }]);
    expect(preview.current.running).toBe(false);
  });

  it("puts the server's objections on their controls, keeping the last result", async () => {
    const { result: preview, rerender } = renderHook(({ d }) => usePreview(d, true), { initialProps: { d: definition(1) } });
    await act(async () => { await vi.advanceTimersByTimeAsync(PREVIEW_DELAY_MS); });
    calls[0].answer(200, result(1));
    await settle();
    rerender({ d: definition(0) });
    await act(async () => { await vi.advanceTimersByTimeAsync(PREVIEW_DELAY_MS); });
    calls[1].answer(422, { status: 422, title: "Invalid", detail: "Check the report.", errors: [{ field: "limit", code: "out_of_range", message: "At least 1." }] });
    await settle();
    expect(preview.current.errors).toEqual({ limit: "At least 1." });
    expect(preview.current.result?.rows).toEqual([{ count: 1 }]);
  });

  it("does not run an incomplete definition", async () => {
    const { result: preview } = renderHook(() => usePreview(definition(1), false));
    await act(async () => { await vi.advanceTimersByTimeAsync(PREVIEW_DELAY_MS * 2); });
    expect(calls).toHaveLength(0);
    expect(preview.current.running).toBe(false);
  });
});
