// MetricsChart: one Chart.js line chart, created once and updated in place on each tick.

import { useEffect, useRef } from 'react';
import {
  Chart,
  Decimation,
  Filler,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
} from 'chart.js';
import {
  applyChartTheme,
  buildChartConfig,
  chartSeries,
  datasetFor,
} from '../services/dashboardService.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, Filler, Legend, Tooltip, Decimation);

/**
 * @param {object} props
 * @param {object} props.chart   an entry of CHARTS (title, series, unit …)
 * @param {import('../lib/seriesStore.js').SeriesStore} props.store
 * @param {number} props.revision changes when the store has new points
 * @param {number} props.windowMs
 * @param {object} props.colors  from useChartColors
 * @param {boolean} props.paused the group is unsubscribed
 */
export function MetricsChart({ chart, store, revision, windowMs, colors, paused = false }) {
  const canvasRef = useRef(null);
  const chartRef = useRef(null);
  const keys = store.keys();
  const series = chartSeries(chart, keys);
  const seriesKey = series.map((s) => s.key).join(',');
  const latest = store.latestTs ?? Date.now();
  const xMin = latest - windowMs;
  const xMax = latest;
  const pointCount = series.reduce((n, s) => n + store.get(s.key).length, 0);

  // Create once; destroy on unmount.
  useEffect(() => {
    const ctx = canvasRef.current?.getContext?.('2d');
    if (!ctx) return undefined;
    chartRef.current = new Chart(
      ctx,
      buildChartConfig({ chart, series, data: (k) => store.get(k), colors, windowMs, xMin, xMax }),
    );
    return () => {
      chartRef.current?.destroy();
      chartRef.current = null;
    };
    // Only on mount: every later change is applied in place below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // New points, a new window, new cores or a new theme: update the existing chart.
  useEffect(() => {
    const c = chartRef.current;
    if (!c) return;
    const have = c.data.datasets.map((d) => d._key).join(',');
    if (have !== seriesKey) {
      c.data.datasets = series.map((s) => datasetFor(s, colors, store.get(s.key)));
    } else {
      c.data.datasets.forEach((d, i) => {
        const fresh = datasetFor(series[i], colors, null);
        d.borderColor = fresh.borderColor;
        d.backgroundColor = fresh.backgroundColor;
        // Same array every tick; assigning again lets decimation see the new length.
        d.data = store.get(series[i].key);
      });
    }
    applyChartTheme(c.options, colors, { windowMs, xMin, xMax });
    c.update('none');
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [revision, seriesKey, colors, windowMs, xMin, xMax]);

  return (
    <figure
      className={`chart-card${chart.wide ? ' chart-card--wide' : ''}${paused ? ' is-paused' : ''}`}
      data-testid={`chart-${chart.id}`}
      data-points={pointCount}
    >
      <figcaption className="chart-title">
        <span>{chart.title}</span>
        {paused && <span className="badge">Paused</span>}
      </figcaption>
      <div className="chart-canvas">
        <canvas ref={canvasRef} role="img" aria-label={`${chart.title} chart`} />
      </div>
    </figure>
  );
}
