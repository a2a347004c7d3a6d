// MetricsChart: one Chart.js line chart, created once and updated in place on each tick, with
// zoom/pan/drag-select (chartjs-plugin-zoom + hammerjs for touch), keyboard zoom/pan, the shared
// crosshair, CSV/PNG export, and a text alternative (latest values; a data table on request).

import { useEffect, useRef, useState } from 'react';
import {
  Chart,
  Filler,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
} from 'chart.js';
import 'hammerjs';
import zoomPlugin from 'chartjs-plugin-zoom';
import { applyChartTheme, buildChartConfig, valueFormatter } from '../services/chartConfig.js';
import { chartSeries, datasetFor } from '../services/dashboardService.js';
import { countValues } from '../lib/seriesStore.js';
import { formatDateTime } from '../lib/ticks.js';
import { exportName, sample, saveText, saveUrl, seriesToCsv } from '../lib/exporters.js';
import { chartKeyAction } from '../lib/chartKeys.js';
import { ChartTable } from './ChartTable.jsx';

Chart.register(LineController, LineElement, PointElement, LinearScale, Filler, Legend, Tooltip, zoomPlugin);

function inView(points, min, max) {
  return points.filter((p) => p.x >= min && p.x <= max);
}

/** "Total 12.3%, at 5 Dec 2026 14:03:07" … for the text alternative. */
export function chartSummary(chart, series, store, fmt) {
  const parts = [];
  let at = null;
  for (const s of series) {
    const arr = store.get(s.key);
    for (let i = arr.length - 1; i >= 0; i -= 1) {
      if (arr[i].y !== null) {
        parts.push(`${s.label} ${fmt(arr[i].y)}`);
        at = Math.max(at ?? 0, arr[i].x);
        break;
      }
    }
  }
  if (!parts.length) return `${chart.title}: no data yet.`;
  return `${chart.title}, latest: ${parts.join(', ')} (${formatDateTime(at)}).`;
}

/**
 * @param {object} props
 * @param {object} props.chart   an entry of CHARTS (title, series, unit …)
 * @param {import('../lib/seriesStore.js').SeriesStore} props.store
 * @param {number} props.revision changes when the store has new points
 * @param {number} props.xMin/xMax the x range shown (ms)
 * @param {object} props.colors  from useChartColors
 * @param {boolean} props.paused the group is unsubscribed
 * @param {import('../lib/chartSync.js').ChartSync} props.sync
 * @param {function} props.onView ({min,max}) after a zoom, pan or drag-select
 * @param {function} props.onLive back to the live view (Home, Escape)
 * @param {number} props.liveMax newest data time (keyboard pan stops there)
 * @param {Array<{key:string,note:string}>} [props.absent] series this host does not have (e.g.
 *   swap on a host without swap): not drawn, not summarised, their note shown in the head instead
 */
export function MetricsChart({ chart, store, revision, xMin, xMax, colors, paused = false, sync, onView, onLive, liveMax, absent = [] }) {
  const canvasRef = useRef(null);
  const chartRef = useRef(null);
  const appliedRef = useRef({ xMin, xMax });
  const onViewRef = useRef(onView);
  onViewRef.current = onView;
  const [showTable, setShowTable] = useState(false);
  const series = chartSeries(chart);
  const absentKeys = absent.map((a) => a.key);
  const absentSig = absentKeys.join(',');
  const present = series.filter((s) => !absentKeys.includes(s.key));
  const fmt = valueFormatter(chart.unit);
  const first = store.get(series[0].key);
  const shown = inView(first, xMin, xMax);
  const pointCount = countValues(shown);

  // Create once; destroy on unmount.
  useEffect(() => {
    const ctx = canvasRef.current?.getContext?.('2d');
    if (!ctx) return undefined;
    const c = new Chart(
      ctx,
      buildChartConfig({
        chart,
        series,
        data: (k) => store.get(k),
        colors,
        xMin,
        xMax,
        onView: (r) => onViewRef.current?.(r),
      }),
    );
    c.$pulse = { sync, colors, hoverX: null };
    chartRef.current = c;
    const off = sync?.add(c);
    return () => {
      off?.();
      c.destroy();
      chartRef.current = null;
    };
    // Only on mount: every later change is applied in place below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // New points, a new x range or a new theme: update the existing chart.
  useEffect(() => {
    const c = chartRef.current;
    if (!c) return;
    c.data.datasets.forEach((d, i) => {
      const fresh = datasetFor(series[i], colors, null);
      d.borderColor = fresh.borderColor;
      d.backgroundColor = fresh.backgroundColor;
      const gone = absentKeys.includes(series[i].key);
      d.hidden = gone;
      d.data = gone ? [] : store.get(series[i].key);
    });
    if (c.$pulse) c.$pulse.colors = colors;
    // The x range only when it changed: between two changes a pan or pinch in progress owns it.
    const applied = appliedRef.current;
    const moved = applied.xMin !== xMin || applied.xMax !== xMax;
    appliedRef.current = { xMin, xMax };
    const x = c.options.scales?.x;
    applyChartTheme(c.options, colors, moved || !x ? { xMin, xMax } : { xMin: x.min, xMax: x.max });
    c.update('none');
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [revision, colors, xMin, xMax, absentSig]);

  const onKeyDown = (e) => {
    const next = chartKeyAction(e.key, { min: xMin, max: xMax }, liveMax);
    if (!next) return;
    e.preventDefault();
    if (next.live) onLive?.();
    else onView?.(next);
  };

  const exportCsv = () => {
    const csv = seriesToCsv(present.map((s) => ({ label: s.label, points: store.get(s.key) })), xMin, xMax);
    saveText(csv, exportName(chart.id, 'csv'));
  };
  const exportPng = () => {
    const c = chartRef.current;
    if (c?.toBase64Image) saveUrl(c.toBase64Image('image/png', 1), exportName(chart.id, 'png'));
  };

  const summary = chartSummary(chart, present, store, fmt);
  const titleId = `chart-title-${chart.id}`;
  return (
    <figure
      className={`chart-card${paused ? ' is-paused' : ''}`}
      data-testid={`chart-${chart.id}`}
      data-points={pointCount}
      data-gaps={shown.length - pointCount}
      data-x-min={Math.round(xMin)}
      data-x-max={Math.round(xMax)}
      aria-labelledby={titleId}
      style={{ '--accent': colors.metric?.[series[0].color] }}
    >
      <figcaption className="chart-head">
        <h3 className="chart-title" id={titleId}>
          {chart.title}
        </h3>
        {paused && <span className="badge">Paused</span>}
        {absent.map((a) => (
          <span key={a.key} className="badge chart-note" data-testid={`chart-note-${chart.id}`}>
            {a.note}
          </span>
        ))}
        <span className="chart-actions">
          <button type="button" className="btn btn--small" aria-expanded={showTable} onClick={() => setShowTable((v) => !v)}>
            {showTable ? 'Hide table' : 'Table'}
          </button>
          <button type="button" className="btn btn--small" onClick={exportCsv} aria-label={`Export ${chart.title} as CSV`}>
            CSV
          </button>
          <button type="button" className="btn btn--small" onClick={exportPng} aria-label={`Export ${chart.title} as PNG`}>
            PNG
          </button>
        </span>
      </figcaption>
      <div
        className="chart-canvas"
        tabIndex={0}
        role="group"
        aria-label={`${chart.title} chart. Arrow keys pan, plus and minus zoom, Home goes back to live.`}
        onKeyDown={onKeyDown}
      >
        <canvas ref={canvasRef} role="img" aria-label={summary} />
      </div>
      <p className="sr-only" data-testid={`summary-${chart.id}`}>
        {summary}
      </p>
      {showTable && (
        <ChartTable
          caption={`${chart.title}: the values shown`}
          series={present.map((s) => ({ label: s.label, points: sample(inView(store.get(s.key), xMin, xMax).filter((p) => p.y !== null), 60) }))}
          fmt={fmt}
        />
      )}
    </figure>
  );
}
