// A report's result as people read it: a KPI tile, a table of groups, a list of
// records, or a chart (loaded on first use) with its figures as a table. Dashboards'
// widgets and the report builder's preview both draw results through this.
import { lazy, Suspense, useMemo } from "react";
import { useMetadata } from "../app/metadata";
import { Pending } from "../components/ui";
import { FieldDisplay } from "../fields/registry";
import { aggregateColumns, daysText, figureText, groupColumns, isDuration, keyStyleFor, kpiFigures, plainKeys, rowsInKeyOrder, trend, type KeyStyle } from "./figures";
import { fieldAt } from "./paths";
import type { ChartType, ReportResult, ReportRow } from "./types";

const ReportChart = lazy(() => import("./ReportChart"));
const NUMERIC = ["integer", "decimal", "percent", "currency"];

// Groupings read as their fields do: a picklist's labels, in its order (also a
// related record's picklist, "company.industry").
export function useKeyStyle(objectName: string, result: ReportResult | null): KeyStyle {
  const { object } = useMetadata();
  return useMemo<KeyStyle>(() => {
    const meta = object(objectName);
    if (!meta || !result) return plainKeys;
    const fields = groupColumns(result).flatMap((column) => {
      const [relation, name] = column.includes(".") ? column.split(".", 2) : ["", column.split(":")[0]];
      const owner = relation ? object(meta.fields.find((f) => f.name === `${relation}_id`)?.target ?? "") : meta;
      const field = owner?.fields.find((f) => f.name === name);
      return field ? [{ name: column, type: field.type, options: field.options }] : [];
    });
    return keyStyleFor(fields);
  }, [object, objectName, result]);
}

export function ReportResultView({ result, chart, title, object, onDrill, previous, empty = "Nothing in this period." }: {
  result: ReportResult;
  chart: ChartType | null;
  title: string;
  object: string;
  onDrill: (keys: ReportRow) => void;
  previous?: ReportResult | null;
  empty?: string;
}) {
  const keys = useKeyStyle(object, result);
  if (result.definition.type === "tabular") return <RecordsTable result={result} object={object} />;
  if (chart === "kpi") return <Kpi result={result} previous={previous ?? null} />;
  if (chart === "table" || groupColumns(result).length === 0) return <ResultTable result={result} onDrill={onDrill} keys={keys} />;
  if (result.rows.length === 0) return <p className="muted">{empty}</p>;
  return (
    <Suspense fallback={<Pending inline />}>
      <ReportChart type={chart ?? "bar"} result={result} title={title} onDrill={onDrill} keys={keys} />
    </Suspense>
  );
}

function Kpi({ result, previous }: { result: ReportResult; previous: ReportResult | null }) {
  const now = kpiFigures(result);
  const before = kpiFigures(previous);
  const change = previous ? trend(now, before) : null;
  // A tile has no column label to say a duration's unit: its figure does.
  const days = isDuration(aggregateColumns(result)[0] ?? "");
  const text = (v: (typeof now)[number]) => (days ? daysText(v, true) : figureText(v, true));
  return (
    <div className="kpi">
      <p className="kpi-figure">{now.length === 0 ? figureText(0) : now.map((v, i) => <span key={i}>{text(v)}</span>)}</p>
      {change !== null && (
        <p className={`kpi-trend ${change >= 0 ? "up" : "down"}`}>
          <span aria-hidden="true">{change >= 0 ? "▲" : "▼"}</span> {Math.abs(Math.round(change * 100))}%
          <span className="muted"> vs previous period ({before.map(text).join(", ") || figureText(0)})</span>
        </p>
      )}
    </div>
  );
}

function ResultTable({ result, onDrill, keys }: { result: ReportResult; onDrill: (keys: ReportRow) => void; keys: KeyStyle }) {
  const groups = groupColumns(result);
  const measures = aggregateColumns(result);
  const label = (name: string) => result.columns.find((c) => c.name === name)?.label ?? name;
  return (
    <div className="report-table-wrap">
      <table className="report-table">
        <thead><tr>
          {groups.map((c) => <th scope="col" key={c}>{label(c)}</th>)}
          {measures.map((c) => <th scope="col" key={c} className="number">{label(c)}</th>)}
        </tr></thead>
        <tbody>
          {(result.definition.sort ? result.rows : rowsInKeyOrder(result.rows, groups, keys)).map((row, i) => (
            <tr key={i}>
              {groups.map((g, j) => (
                <td key={g}>{j === 0 ? (
                  <button type="button" className="link-button" onClick={() => onDrill(Object.fromEntries(groups.map((k) => [k, row[k] ?? null])))}>
                    {keys.text(g, row[g])}
                  </button>
                ) : keys.text(g, row[g])}</td>
              ))}
              {measures.map((m) => <td key={m} className="number">{isDuration(m) ? daysText(row[m]) : figureText(row[m])}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// A tabular report's first page of records, each value shown as lists show it.
function RecordsTable({ result, object: objectName }: { result: ReportResult; object: string }) {
  const { object } = useMetadata();
  const meta = object(objectName);
  const columns = result.columns.filter((c) => c.kind === "field");
  return (
    <div className="report-table-wrap">
      <table className="report-table">
        <thead><tr>{columns.map((c) => <th scope="col" key={c.name} className={NUMERIC.includes(c.type) ? "number" : undefined}>{c.label}</th>)}</tr></thead>
        <tbody>
          {result.rows.map((row, i) => (
            <tr key={i}>
              {columns.map((c) => {
                const field = meta ? fieldAt(meta, object, c.name) : undefined;
                return (
                  <td key={c.name} className={NUMERIC.includes(c.type) ? "number" : undefined}>
                    {field ? <FieldDisplay field={field} value={row[c.name]} compact /> : figureText(row[c.name])}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
