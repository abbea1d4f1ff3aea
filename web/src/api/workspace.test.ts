import { describe, expect, it } from "vitest";
import { workspaceChanges, type WorkspaceSettings } from "./workspace";

const saved: WorkspaceSettings = { time_zone: "Europe/Paris", fiscal_year_start: 4, currency: "EUR", updated_at: null };

describe("workspace changes", () => {
  it("are only what differs from the saved settings, so an unchanged currency is never sent", () => {
    expect(workspaceChanges(saved, { time_zone: "Europe/Paris", fiscal_year_start: 4, currency: "EUR" })).toEqual({});
    expect(workspaceChanges(saved, { time_zone: " UTC ", fiscal_year_start: 1, currency: "EUR" })).toEqual({ time_zone: "UTC", fiscal_year_start: 1 });
    expect(workspaceChanges(saved, { time_zone: "Europe/Paris", fiscal_year_start: 4, currency: "usd" })).toEqual({ currency: "USD" });
  });
});
