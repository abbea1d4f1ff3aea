// A report's result drawn as a chart (Chart.js, registered piece by piece so the
// bundle holds only what is drawn), with the same figures as a table for screen
// readers and keyboards. Selecting a bar, a point or a slice, or a row of the table,
// drills into the records behind it.
import { useEffect, useRef } from "react";
import {
  ArcElement, BarController, BarElement, CategoryScale, Chart, DoughnutController, Legend, LinearScale,
  LineController, LineElement, PieController, PointElement, Tooltip,
} from "chart.js";
import type { ChartType, ReportResult, ReportRow } from "./types";
import { plainKeys, seriesOf, type KeyStyle } from "./figures";

Chart.register(ArcElement, BarController, BarElement, CategoryScale, DoughnutController, Legend, LinearScale,
  LineController, LineElement, PieController, PointElement, Tooltip);

const PALETTE = ["#4f46e5", "#0ea5e9", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#14b8a6", "#f97316", "#64748b", "#ec4899"];

export default function ReportChart({ type, result, title, onDrill, keys = plainKeys }: {
  type: ChartType;
  result: ReportResult;
  title: string;
  onDrill: (keys: ReportRow) => void;
  keys?: KeyStyle;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const all = seriesOf(result, keys);
  // A funnel narrows one measure (the first) through the stages.
  const series = type === "funnel" ? { ...all, datasets: all.datasets.slice(0, 1) } : all;
  const drill = useRef(onDrill);
  drill.current = onDrill;

  useEffect(() => {
    if (!canvas.current) return;
    const round = type === "pie" || type === "donut";
    const funnel = type === "funnel";
    const stacked = type === "stacked_bar";
    const colour = (i: number) => PALETTE[i % PALETTE.length];
    const chart = new Chart(canvas.current, {
      type: round ? (type === "donut" ? "doughnut" : "pie") : type === "line" ? "line" : "bar",
      data: {
        labels: series.labels,
        datasets: series.datasets.map((d, i) => ({
          label: d.name,
          // A funnel is bars centred on the axis, widest first.
          data: funnel ? d.values.map((v) => [-(v ?? 0) / 2, (v ?? 0) / 2]) : d.values,
          backgroundColor: round ? series.labels.map((_, j) => colour(j)) : colour(i),
          borderColor: round ? "#ffffff" : colour(i),
          borderWidth: round ? 1 : 0,
        })) as never,
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: funnel ? "y" : "x",
        plugins: {
          legend: { display: round || series.datasets.length > 1, position: "bottom" },
          tooltip: funnel ? { callbacks: { label: (c) => `${c.dataset.label}: ${series.datasets[c.datasetIndex].values[c.dataIndex] ?? 0}` } } : {},
        },
        scales: round ? {} : {
          x: { stacked, display: !funnel },
          y: { stacked, beginAtZero: true },
        },
        onClick: (_event, elements) => {
          const hit = elements[0];
          if (hit) drill.current(series.datasets[hit.datasetIndex].keys[hit.index]);
        },
      },
    });
    return () => chart.destroy();
  }, [type, result]);  // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <div className="chart">
      <div className="chart-canvas"><canvas ref={canvas} role="img" aria-label={`${title}: chart`} /></div>
      <details className="chart-data">
        <summary>Data</summary>
        <table className="report-table">
          <thead>
            <tr><th scope="col">{result.columns.find((c) => c.kind === "group")?.label ?? ""}</th>
              {series.datasets.map((d) => <th scope="col" key={d.name}>{d.name}</th>)}</tr>
          </thead>
          <tbody>
            {series.labels.map((label, i) => (
              <tr key={label}>
                <th scope="row">
                  <button type="button" className="link-button" onClick={() => onDrill(series.rowKeys[i])}>{label}</button>
                </th>
                {series.datasets.map((d) => <td key={d.name}>{d.values[i] ?? "–"}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </div>
  );
}
