import { describe, expect, it } from "vitest";
import type { FieldMeta } from "../api/types";
import { defaultDateField, editedWidgets, layout, moveWidget, newWidget, periodFields, resizeWidget, widgetsJson } from "./dashboardLayout";
import type { DashboardWidget } from "./types";

const widget = (id: string, x: number, y: number, w: number, h: number, extra: Partial<DashboardWidget> = {}): DashboardWidget =>
  ({ id, report_id: `r-${id}`, kpi: null, title: "", chart: null, x, y, w, h, date_field: "", ...extra });

// The Sales dashboard of a new workspace: four tiles, then two rows of two charts.
const sales = [
  widget("f", 0, 6, 6, 4), widget("a", 0, 0, 3, 2), widget("c", 6, 0, 3, 2), widget("b", 3, 0, 3, 2),
  widget("d", 9, 0, 3, 2, { kpi: "win_rate", report_id: "" }), widget("e", 0, 2, 6, 4), widget("g", 6, 2, 6, 4), widget("h", 6, 6, 6, 4),
];

describe("dashboard layout", () => {
  it("reads widgets in reading order and lays a packed dashboard out as it was", () => {
    const list = editedWidgets(sales);
    expect(list.map((w) => w.key)).toEqual(["a", "b", "c", "d", "e", "g", "f", "h"]);
    const json = widgetsJson(list);
    const before = new Map(sales.map((w) => [w.id, w]));
    for (const w of json) {
      const original = before.get(w.id as string)!;
      expect([w.x, w.y, w.w, w.h]).toEqual([original.x, original.y, original.w, original.h]);
    }
  });

  it("starts a new row when a widget does not fit, below the row's tallest", () => {
    expect(layout([{ w: 8, h: 2 }, { w: 4, h: 5 }, { w: 6, h: 1 }, { w: 7, h: 3 }, { w: 12, h: 2 }]))
      .toEqual([{ x: 0, y: 0 }, { x: 8, y: 0 }, { x: 0, y: 5 }, { x: 0, y: 6 }, { x: 0, y: 9 }]);
  });

  it("moves a widget earlier or later, and not past either end", () => {
    const list = editedWidgets(sales);
    expect(moveWidget(list, 1, -1).map((w) => w.key).slice(0, 3)).toEqual(["b", "a", "c"]);
    expect(moveWidget(list, 7, 1)).toBe(list);
    expect(moveWidget(list, 0, -1)).toBe(list);
    // Moving a half-width chart before the tiles puts it first on the grid.
    const json = widgetsJson(moveWidget(moveWidget(moveWidget(moveWidget(list, 4, -1), 3, -1), 2, -1), 1, -1));
    expect(json[0]).toMatchObject({ id: "e", x: 0, y: 0 });
    expect(json[1]).toMatchObject({ id: "a", x: 6, y: 0 });
  });

  it("resizes within the grid", () => {
    const list = editedWidgets(sales);
    expect(resizeWidget(list, 0, { w: 20 })[0].w).toBe(12);
    expect(resizeWidget(list, 0, { w: 0 })[0].w).toBe(1);
    expect(resizeWidget(list, 0, { h: 30 })[0]).toMatchObject({ w: 3, h: 24 });
    expect(resizeWidget(list, 0, { w: 6 })[1]).toBe(list[1]);
  });

  it("writes new widgets without an id, and KPI widgets without a report", () => {
    const list = [...editedWidgets(sales), newWidget({ report_id: "r-new" }, 6, "bar"), newWidget({ kpi: "win_rate" }, 3)];
    const json = widgetsJson(list);
    expect(json[8]).toEqual({ report_id: "r-new", chart: "bar", date_field: "", title: "", x: 0, y: 10, w: 6, h: 4 });
    expect(json[9]).toEqual({ kpi: "win_rate", title: "", x: 6, y: 10, w: 3, h: 2 });
    expect(json.find((w) => w.id === "d")).toMatchObject({ kpi: "win_rate" });
    expect(json.find((w) => w.id === "d")).not.toHaveProperty("report_id");
    expect(list[8].key).not.toBe(list[9].key);
  });
});

describe("a new widget's period field", () => {
  const field = (name: string, type: FieldMeta["type"]): FieldMeta =>
    ({ name, label: name, type, required: false, unique: false, read_only: false, custom: false, sortable: true });
  const deals = [field("name", "text"), field("created_at", "datetime"), field("updated_at", "datetime"), field("close_date", "date")];
  const summary = { type: "summary" as const, object: "opportunities", filter: "", columns: [], across: [], aggregates: [], sort: "" };

  it("is the object's own date, none when the report groups by a date, else when records were created", () => {
    expect(periodFields(deals).map((f) => f.name)).toEqual(["created_at", "close_date"]);
    expect(defaultDateField({ ...summary, group_by: [{ field: "stage" }] }, deals)).toBe("close_date");
    expect(defaultDateField({ ...summary, group_by: [{ field: "close_date", bucket: "month" }] }, deals)).toBe("");
    expect(defaultDateField({ ...summary, group_by: [] }, [field("name", "text"), field("created_at", "datetime")])).toBe("created_at");
    expect(defaultDateField({ ...summary, group_by: [] }, [field("name", "text")])).toBe("");
    expect(newWidget({ report_id: "r" }, 6, null, "close_date").date_field).toBe("close_date");
    expect(newWidget({ kpi: "win_rate" }, 3, null, "close_date").date_field).toBe("");
  });
});
