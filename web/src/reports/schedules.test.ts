import { describe, expect, it } from "vitest";
import { scheduleText } from "./schedules";

describe("a schedule in words", () => {
  it("says when it runs", () => {
    expect(scheduleText({ frequency: "daily", hour: 7, weekday: 1, day_of_month: 1 })).toBe("Every day at 07:00");
    expect(scheduleText({ frequency: "weekly", hour: 8, weekday: 1, day_of_month: 1 })).toBe("Every Monday at 08:00");
    expect(scheduleText({ frequency: "weekly", hour: 18, weekday: 7, day_of_month: 1 })).toBe("Every Sunday at 18:00");
    expect(scheduleText({ frequency: "monthly", hour: 0, weekday: 1, day_of_month: 28 })).toBe("Monthly on day 28 at 00:00");
  });
});
