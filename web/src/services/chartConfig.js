// chartConfig: the Chart.js configuration of a metric chart — round byte/percent/time ticks,
// zoom/pan/drag-to-select (chartjs-plugin-zoom), a crosshair and tooltip shared by all charts
// (ChartSync), the tooltip with full date and values, and a background fill so that an exported
// PNG is readable. No React.

import { byteTicks, formatByteTick, formatDateTime, formatTimeTick, timeTicks } from '../lib/ticks.js';
import { datasetFor, formatLoad, formatPercent, formatRate } from './dashboardService.js';

/** Tooltip/table value formatter of a chart's unit (full precision). */
export function valueFormatter(unit) {
  switch (unit) {
    case 'percent':
      return (v) => formatPercent(v);
    case 'rate':
      return (v) => formatRate(v);
    case 'load':
      return (v) => formatLoad(v);
    default:
      return (v) => String(v);
  }
}

/** Index of the point nearest to x in a sorted {x} array (−1 if empty). */
export function nearestIndex(points, x) {
  if (!points?.length) return -1;
  let lo = 0;
  let hi = points.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid].x < x) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(points[lo - 1].x - x) < Math.abs(points[lo].x - x)) lo -= 1;
  return lo;
}

/** Ticks every n (clock-aligned) on x; the labels carry the date when a day is crossed. */
function xAxisHooks() {
  return {
    afterBuildTicks(scale) {
      const max = Math.max(2, Math.floor((scale.chart.width || 600) / 95));
      const { ticks, step } = timeTicks(scale.min, scale.max, max);
      scale.$step = step;
      scale.ticks = ticks.map((value) => ({ value }));
    },
  };
}

function yAxisFor(chart, colors) {
  const base = {
    beginAtZero: true,
    grid: { color: colors.grid },
    border: { display: false },
    ticks: { color: colors.muted },
  };
  if (chart.unit === 'percent') {
    return { ...base, min: 0, max: chart.yMax ?? 100, ticks: { ...base.ticks, stepSize: 25, callback: (v) => `${v}%` } };
  }
  if (chart.unit === 'rate') {
    return {
      ...base,
      min: 0,
      afterDataLimits(scale) {
        const nice = byteTicks(scale.max, 5);
        scale.max = nice.max;
        scale.min = 0;
        scale.$nice = nice;
      },
      afterBuildTicks(scale) {
        scale.ticks = (scale.$nice?.ticks || [0]).map((value) => ({ value }));
      },
      ticks: { ...base.ticks, callback: (v, i, all) => `${formatByteTick(v, all.length > 1 ? all[1].value - all[0].value : 1024)}/s` },
    };
  }
  return { ...base, suggestedMax: 1, ticks: { ...base.ticks, maxTicksLimit: 5, callback: (v) => formatLoad(v) } };
}

/** Draws the shared crosshair and feeds the hover position to the ChartSync. */
export const crosshairPlugin = {
  id: 'pulseCrosshair',
  afterEvent(chart, args) {
    const sync = chart.$pulse?.sync;
    if (!sync) return;
    const e = args.event;
    if (e.type === 'mousemove' && args.inChartArea) {
      sync.hover(chart, chart.scales.x.getValueForPixel(e.x));
      args.changed = true;
    } else if (e.type === 'mouseout' || (e.type === 'mousemove' && !args.inChartArea)) {
      sync.hover(chart, null);
      args.changed = true;
    }
  },
  afterDatasetsDraw(chart) {
    const x = chart.$pulse?.hoverX;
    if (x == null) return;
    const { ctx, chartArea, scales } = chart;
    const px = scales.x.getPixelForValue(x);
    if (!(px >= chartArea.left && px <= chartArea.right)) return;
    ctx.save();
    ctx.strokeStyle = chart.$pulse.colors?.text || '#444';
    ctx.globalAlpha = 0.6;
    ctx.lineWidth = 1;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(px, chartArea.top);
    ctx.lineTo(px, chartArea.bottom);
    ctx.stroke();
    ctx.restore();
  },
};

/** Paints the card background under the chart (an exported PNG is otherwise transparent). */
export const backgroundPlugin = {
  id: 'pulseBackground',
  beforeDraw(chart) {
    const bg = chart.$pulse?.colors?.surface;
    if (!bg) return;
    const { ctx } = chart;
    ctx.save();
    ctx.globalCompositeOperation = 'destination-over';
    ctx.fillStyle = bg;
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

/**
 * A Chart.js line configuration: linear time axis in ms fitted to [xMin, xMax], `parsing:false`
 * {x,y} data (y null = a break), no animation, no decimation (the store already holds one point
 * per pixel), zoom/pan in x, colours from the theme. `onView({min,max})` is called when the
 * user zooms, pans or drag-selects.
 */
export function buildChartConfig({ chart, series, data, colors, xMin, xMax, onView }) {
  const fmt = valueFormatter(chart.unit);
  const report = ({ chart: c }) => onView?.({ min: Math.round(c.scales.x.min), max: Math.round(c.scales.x.max) });
  return {
    type: 'line',
    data: { datasets: series.map((s) => datasetFor(s, colors, data(s.key))) },
    plugins: [crosshairPlugin, backgroundPlugin],
    options: {
      animation: false,
      parsing: false,
      normalized: true,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'index', axis: 'x', intersect: false },
      layout: { padding: { top: 4, right: 12 } },
      plugins: {
        decimation: { enabled: false },
        legend: {
          display: true,
          position: 'bottom',
          // A series the host does not have (dataset.hidden, e.g. swap) is not in the legend.
          labels: { color: colors.text, boxWidth: 14, boxHeight: 8, padding: 10, filter: (item, data) => !data.datasets[item.datasetIndex]?.hidden },
        },
        tooltip: {
          callbacks: {
            title: (items) => (items.length ? formatDateTime(items[0].parsed.x) : ''),
            label: (item) => `${item.dataset.label}: ${item.parsed.y == null ? 'no data' : fmt(item.parsed.y)}`,
          },
        },
        zoom: {
          limits: { x: { minRange: 5000 } },
          // A pan starts by fixing the view where it is: live ticks no longer move the axis
          // under the finger (the chart applies an x range only when it changes).
          pan: { enabled: true, mode: 'x', modifierKey: 'shift', onPanStart: report, onPanComplete: report },
          zoom: {
            mode: 'x',
            wheel: { enabled: true, modifierKey: 'ctrl' },
            pinch: { enabled: true },
            drag: { enabled: true, threshold: 8, backgroundColor: 'rgba(100,116,139,0.18)', borderColor: colors.muted, borderWidth: 1 },
            onZoomComplete: report,
          },
        },
      },
      scales: {
        x: {
          type: 'linear',
          min: xMin,
          max: xMax,
          grid: { color: colors.grid },
          border: { color: colors.grid },
          ...xAxisHooks(),
          ticks: {
            color: colors.muted,
            maxRotation: 0,
            autoSkip: false,
            callback(v, i, all) {
              return formatTimeTick(v, this.$step || 60000, i > 0 ? all[i - 1].value : null);
            },
          },
        },
        y: yAxisFor(chart, colors),
      },
    },
  };
}

/** Apply colours and the x range to an existing chart's options in place. */
export function applyChartTheme(options, colors, { xMin, xMax }) {
  options.plugins.legend.labels.color = colors.text;
  options.plugins.zoom.zoom.drag.borderColor = colors.muted;
  options.scales.x.grid.color = colors.grid;
  options.scales.x.border.color = colors.grid;
  options.scales.x.ticks.color = colors.muted;
  options.scales.x.min = xMin;
  options.scales.x.max = xMax;
  options.scales.y.grid.color = colors.grid;
  options.scales.y.ticks.color = colors.muted;
}
