import { afterEach, describe, expect, it, vi } from "vitest";
import { workspaceApi } from "./workspace";
import { FALLBACK_CURRENCY, forgetWorkspaceCurrency, loadWorkspaceCurrency, rememberWorkspaceCurrency, workspaceCurrency } from "./workspaceCurrency";

const settings = (currency: string) => ({ time_zone: "UTC", fiscal_year_start: 1, currency, updated_at: null });
const answer = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

afterEach(() => {
  forgetWorkspaceCurrency();
  vi.unstubAllGlobals();
});

describe("the workspace's currency", () => {
  it("is USD until it is known, then the workspace's, asked for once", async () => {
    const fetch = vi.fn(async () => answer(settings("EUR")));
    vi.stubGlobal("fetch", fetch);
    expect(workspaceCurrency()).toBe(FALLBACK_CURRENCY);
    expect(fetch).not.toHaveBeenCalled();  // nothing is asked before a money input wants it
    const [a, b] = await Promise.all([loadWorkspaceCurrency(), loadWorkspaceCurrency()]);
    expect([a, b]).toEqual(["EUR", "EUR"]);
    expect(await loadWorkspaceCurrency()).toBe("EUR");
    expect(workspaceCurrency()).toBe("EUR");
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(String((fetch.mock.calls[0] as unknown[])[0])).toBe("/api/v1/settings/workspace");
  });

  it("stays USD when asking fails, and is asked again later", async () => {
    let calls = 0;
    const fetch = vi.fn(async () => (++calls === 1 ? answer({ title: "Unavailable" }, 503) : answer(settings("CHF"))));
    vi.stubGlobal("fetch", fetch);
    expect(await loadWorkspaceCurrency()).toBe("USD");
    expect(workspaceCurrency()).toBe("USD");
    expect(await loadWorkspaceCurrency()).toBe("CHF");
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it("follows the settings read or saved elsewhere, and an older answer does not put its currency back", async () => {
    let release: ((r: Response) => void) | undefined;
    const fetch = vi.fn(() => new Promise<Response>((resolve) => (release = resolve)));
    vi.stubGlobal("fetch", fetch);
    const loading = loadWorkspaceCurrency();
    await vi.waitFor(() => expect(fetch).toHaveBeenCalled());
    rememberWorkspaceCurrency("GBP");  // an administrator saved the settings meanwhile
    release!(answer(settings("USD")));
    await loading;
    expect(workspaceCurrency()).toBe("GBP");

    vi.stubGlobal("fetch", vi.fn(async () => answer(settings("SEK"))));
    await workspaceApi.update({ currency: "SEK" });
    expect(workspaceCurrency()).toBe("SEK");
  });

  it("is forgotten on signing out", async () => {
    rememberWorkspaceCurrency("EUR");
    forgetWorkspaceCurrency();
    expect(workspaceCurrency()).toBe("USD");
    vi.stubGlobal("fetch", vi.fn(async () => answer(settings("JPY"))));
    expect(await loadWorkspaceCurrency()).toBe("JPY");
  });
});
