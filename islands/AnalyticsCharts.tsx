/**
 * The analytics charts, drawn with uPlot in the browser. The server renders the totals and empty chart frames;
 * the range buttons re-read `/api/analytics` without reloading the page.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type uPlotType from "uplot";
import type { AnalyticsData } from "../lib/db/analytics.ts";
import { callApi } from "../lib/dashboard/api_client.ts";

interface ChartSpec {
  id: string;
  title: string;
  series: { label: string; values: (data: AnalyticsData) => number[]; color: string; scale?: string }[];
  bars?: boolean;
}

const CHARTS: ChartSpec[] = [
  {
    id: "reviews",
    title: "Reviews per day",
    bars: true,
    series: [{ label: "Reviews", values: (data) => data.reviews, color: "#6d5ff5" }],
  },
  {
    id: "findings",
    title: "Findings by severity",
    series: [
      { label: "Blocker", values: (data) => data.findings.blocker, color: "#e0483a" },
      { label: "Warning", values: (data) => data.findings.warning, color: "#e49b1e" },
      { label: "Info", values: (data) => data.findings.info, color: "#2fa36b" },
    ],
  },
  {
    id: "tokens",
    title: "Tokens and cost",
    series: [
      { label: "Tokens", values: (data) => data.tokens, color: "#6d5ff5" },
      { label: "Cost (USD)", values: (data) => data.costUsd, color: "#e49b1e", scale: "usd" },
    ],
  },
  {
    id: "latency",
    title: "Median time to review (minutes)",
    series: [{ label: "Median minutes", values: (data) => data.medianMinutes, color: "#2fa36b" }],
  },
];

function drawCharts(uPlot: typeof uPlotType, data: AnalyticsData, root: HTMLElement): uPlotType[] {
  const dark = globalThis.matchMedia?.("(prefers-color-scheme: dark)").matches;
  const axisColor = dark ? "#a0a0ab" : "#5f6068";
  const gridColor = dark ? "#2e2e38" : "#ececf1";
  return CHARTS.map((chart) => {
    const target = root.querySelector<HTMLElement>(`[data-chart="${chart.id}"]`)!;
    target.textContent = "";
    const width = Math.max(280, target.clientWidth);
    const axis = { stroke: axisColor, grid: { stroke: gridColor }, ticks: { stroke: gridColor } };
    return new uPlot(
      {
        width,
        height: 220,
        series: [
          {},
          ...chart.series.map((series) => ({
            label: series.label,
            stroke: series.color,
            fill: chart.bars ? series.color + "55" : undefined,
            width: 2,
            scale: series.scale ?? "y",
            paths: chart.bars ? uPlot.paths.bars!({ size: [0.6, 40] }) : undefined,
            points: { show: false },
          })),
        ],
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [
          axis,
          { ...axis, scale: "y" },
          ...(chart.series.some((series) => series.scale === "usd")
            ? [{ ...axis, scale: "usd", side: 1, grid: { show: false } }]
            : []),
        ],
        legend: { live: false },
      },
      [data.days.map((day) => day / 1000), ...chart.series.map((series) => series.values(data))],
      target,
    );
  });
}

export default function AnalyticsCharts(props: { initial: AnalyticsData; days: number }) {
  const [data, setData] = useState(props.initial);
  const [days, setDays] = useState(props.days);
  const [ready, setReady] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let plots: uPlotType[] = [];
    let cancelled = false;
    import("uplot").then(({ default: uPlot }) => {
      if (cancelled || !root.current) return;
      plots = drawCharts(uPlot, data, root.current);
      setReady(true);
    });
    return () => {
      cancelled = true;
      for (const plot of plots) plot.destroy();
    };
  }, [data]);
  const choose = async (value: number) => {
    setDays(value);
    setData(await callApi("GET /api/analytics", { days: value }));
  };
  const { totals } = data;
  const maxStep = Math.max(1, ...data.findingsByStep.map((entry) => entry.count));
  return (
    <div ref={root} data-ready={ready ? "on" : "off"}>
      <div class="inline" style="display:flex;gap:.5rem;margin-bottom:1rem" role="group" aria-label="Range">
        {[7, 30, 90].map((value) => (
          <a
            class={value === days ? "button" : "button secondary"}
            href={`/analytics?days=${value}`}
            onClick={(event) => {
              event.preventDefault();
              choose(value);
            }}
          >
            {value} days
          </a>
        ))}
      </div>
      <div class="cards">
        <div class="card">
          <strong data-testid="total-reviews">{totals.reviews}</strong>reviews
        </div>
        <div class="card">
          <strong>{totals.findings}</strong>findings
        </div>
        <div class="card">
          <strong>{totals.tokens.toLocaleString("en-US")}</strong>tokens
        </div>
        <div class="card">
          <strong data-testid="total-cached-tokens">{totals.cachedTokens.toLocaleString("en-US")}</strong>
          prompt tokens from the provider's cache
        </div>
        <div class="card">
          <strong>${totals.costUsd.toFixed(2)}</strong>spent
        </div>
        <div class="card">
          <strong>{totals.medianMinutes.toFixed(1)} min</strong>median time to review
        </div>
      </div>
      <div class="grid2">
        {CHARTS.map((chart) => (
          <section class="panel">
            <h2>{chart.title}</h2>
            <div class="chart" data-chart={chart.id}>
              <p class="muted small">
                The chart draws when JavaScript is on; the totals above are always current.
              </p>
            </div>
          </section>
        ))}
        <section class="panel">
          <h2>Findings by step</h2>
          {data.findingsByStep.length === 0 && <p class="muted">No findings in this range.</p>}
          <table>
            <tbody>
              {data.findingsByStep.map((entry) => (
                <tr>
                  <td style="width:35%">{entry.step}</td>
                  <td>
                    <div class="bar" style={`width:${Math.round((entry.count / maxStep) * 100)}%`} />
                  </td>
                  <td style="width:3rem">{entry.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
    </div>
  );
}
