/**
 * The analytics charts, drawn with uPlot in the browser. The server renders the totals and empty chart frames;
 * the range buttons re-read `/api/analytics` without reloading the page. Every total links to the reviews it
 * counts; axes tick whole days, whole counts, dollars and seconds; an empty range says so instead of drawing
 * flat lines.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type uPlotType from "uplot";
import type { AnalyticsData } from "../lib/db/analytics.ts";
import { callApi } from "../lib/dashboard/api_client.ts";
import { formatCost, formatCount, formatDuration } from "../lib/dashboard/format.ts";

interface ChartSpec {
  id: string;
  title: string;
  series: {
    label: string;
    values: (data: AnalyticsData) => (number | null)[];
    color: string;
    scale?: "usd" | "seconds";
    /** Bars for this series even when the chart is a line chart. */
    bars?: boolean;
  }[];
  bars?: boolean;
}

/** The findings of more severe kinds on `day`, the base of `severity`'s segment in the stacked bar. */
function stackBelow(data: AnalyticsData, day: number, severity: "warning" | "info"): number {
  const blocker = data.findings.blocker[day] ?? 0;
  return severity === "warning" ? blocker : blocker + (data.findings.warning[day] ?? 0);
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
    bars: true,
    // Stacked: each bar is the day's findings, blockers at the bottom, then warnings, then info on top. Each
    // series is drawn as the running total, the largest first, so the smaller ones paint over it.
    series: [
      {
        label: "Info",
        values: (data) => data.findings.info.map((info, day) => info + stackBelow(data, day, "info")),
        color: "#2fa36b",
      },
      {
        label: "Warning",
        values: (data) =>
          data.findings.warning.map((warning, day) => warning + stackBelow(data, day, "warning")),
        color: "#e49b1e",
      },
      { label: "Blocker", values: (data) => data.findings.blocker, color: "#e0483a" },
    ],
  },
  {
    id: "tokens",
    title: "Tokens and cost",
    series: [
      { label: "Tokens", values: (data) => data.tokens, color: "#6d5ff5", bars: true },
      { label: "Cost (USD)", values: (data) => data.costUsd, color: "#e49b1e", scale: "usd" },
    ],
  },
  {
    id: "latency",
    title: "Median time to review",
    // A day without a completed review has no median: a gap, not a drop to zero.
    series: [{
      label: "Median",
      values: (data) => data.medianSeconds.map((seconds, day) => data.reviews[day] ? seconds : null),
      color: "#2fa36b",
      scale: "seconds",
    }],
  },
];

const DAY_SECONDS = 86_400;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "Dec 6": a day in UTC, the bucket the server counted it in. */
function dayLabel(epochSeconds: number): string {
  const date = new Date(epochSeconds * 1000);
  return `${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()}`;
}

function drawCharts(uPlot: typeof uPlotType, data: AnalyticsData, root: HTMLElement): uPlotType[] {
  const dark = globalThis.matchMedia?.("(prefers-color-scheme: dark)").matches;
  const axisColor = dark ? "#a0a0ab" : "#5f6068";
  const gridColor = dark ? "#2e2e38" : "#ececf1";
  return CHARTS.map((chart) => {
    const target = root.querySelector<HTMLElement>(`[data-chart="${chart.id}"]`)!;
    target.textContent = "";
    const width = Math.max(280, target.clientWidth);
    const axis = { stroke: axisColor, grid: { stroke: gridColor }, ticks: { stroke: gridColor } };
    const scaleOf = (name: string | undefined) => name ?? "y";
    const valueAxis = (scale: string) => ({
      ...axis,
      scale,
      size: 72,
      // Counts and tokens in whole steps, money and time in their own units.
      incrs: scale === "usd"
        ? [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 50, 100]
        : scale === "seconds"
        ? [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600]
        : [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 5_000, 10_000, 50_000, 100_000, 1_000_000],
      values: (_plot: uPlotType, ticks: number[]) =>
        ticks.map((tick) =>
          scale === "usd"
            ? formatCost(tick)
            : scale === "seconds"
            ? (tick < 60 ? `${tick} s` : `${Number((tick / 60).toFixed(1))} min`)
            : formatCount(tick)
        ),
    });
    const scales = [...new Set(chart.series.map((series) => scaleOf(series.scale)))];
    return new uPlot(
      {
        width,
        height: 220,
        series: [
          { value: (_plot: uPlotType, value: number) => dayLabel(value) },
          ...chart.series.map((series) => ({
            label: series.label,
            stroke: series.color,
            fill: chart.bars || series.bars ? series.color + "55" : undefined,
            width: 2,
            scale: scaleOf(series.scale),
            paths: chart.bars || series.bars ? uPlot.paths.bars!({ size: [0.6, 40] }) : undefined,
            // Points keep a single day (or a lone non-zero day) visible on a line chart.
            points: { show: !(chart.bars || series.bars), size: 5 },
          })),
        ],
        scales: Object.fromEntries([
          ["x", {
            time: false,
            range: (
              _u: uPlotType,
              min: number,
              max: number,
            ) => [min - DAY_SECONDS / 2, max + DAY_SECONDS / 2],
          }],
          ...scales.map((scale) => [scale, {
            range: (
              _u: uPlotType,
              _min: number,
              max: number,
            ) => [0, Math.max(scale === "usd" ? 0.001 : 1, max)],
          }]),
        ]),
        axes: [
          {
            ...axis,
            incrs: [DAY_SECONDS, 2 * DAY_SECONDS, 7 * DAY_SECONDS, 14 * DAY_SECONDS, 30 * DAY_SECONDS],
            values: (_plot: uPlotType, ticks: number[]) => ticks.map(dayLabel),
          },
          ...scales.map((scale, index) => ({
            ...valueAxis(scale),
            side: index === 0 ? 3 : 1,
            grid: index === 0 ? axis.grid : { show: false },
          })),
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
      if (cancelled || !root.current || data.totals.reviews === 0) return;
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
  const reviewsLink = `/reviews?days=${days}`;
  const empty = totals.reviews === 0;
  const maxStep = Math.max(1, ...data.findingsByStep.map((entry) => entry.count));
  return (
    <div ref={root} data-ready={ready ? "on" : "off"}>
      <div class="inline row spaced" role="group" aria-label="Range">
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
        <a class="card" href={reviewsLink} data-testid="total-reviews">
          <strong>{formatCount(totals.reviews)}</strong>reviews
        </a>
        <a class="card" href={reviewsLink} data-testid="total-findings">
          <strong>{formatCount(totals.findings)}</strong>findings
        </a>
        <a class="card" href={reviewsLink} data-testid="total-tokens">
          <strong>{formatCount(totals.tokens)}</strong>tokens
        </a>
        <a class="card" href={reviewsLink} data-testid="total-cached-tokens">
          <strong>{formatCount(totals.cachedTokens)}</strong>
          prompt tokens from the provider's cache
        </a>
        <a class="card" href={reviewsLink} data-testid="total-cost">
          <strong>{formatCost(totals.costUsd)}</strong>spent
        </a>
        <a class="card" href={`${reviewsLink}&status=completed`} data-testid="median-duration">
          <strong>{totals.reviews === 0 ? "—" : formatDuration(totals.medianSeconds * 1000)}</strong>
          median time to review
        </a>
        <a class="card" href={reviewsLink} data-testid="cached-steps">
          <strong>{formatCount(totals.cachedSteps)}</strong>steps answered from cache (no cost)
        </a>
      </div>
      <div class="grid2">
        {CHARTS.map((chart) => (
          <section class="panel">
            <h2>{chart.title}</h2>
            {empty
              ? <p class="muted" data-testid="chart-empty">No reviews in the last {days} days.</p>
              : (
                <div class="chart" data-chart={chart.id}>
                  <p class="muted small">
                    The chart draws when JavaScript is on; the totals above are always current.
                  </p>
                </div>
              )}
          </section>
        ))}
        <section class="panel">
          <h2>Findings by step</h2>
          {data.findingsByStep.length === 0 && <p class="muted">No findings in this range.</p>}
          <table>
            <tbody>
              {data.findingsByStep.map((entry) => (
                <tr>
                  <td class="label-cell">{entry.step}</td>
                  <td>
                    {/* An SVG width, not a style="" attribute: the CSP refuses inline styles. */}
                    <svg class="bar" viewBox="0 0 100 1" preserveAspectRatio="none" aria-hidden="true">
                      <rect width={Math.round((entry.count / maxStep) * 100)} height="1" />
                    </svg>
                  </td>
                  <td class="count-cell">
                    <a href={reviewsLink} data-testid="step-findings">{entry.count}</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
    </div>
  );
}
