// dashboardService: pure helpers for the dashboard — number formatting, the metric catalogue,
// Chart.js configuration, and merging history with live points. No React, no DOM.

// ---- formatting ---------------------------------------------------------------------------

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
export const DASH = '—';

function isNum(v) {
  return typeof v === 'number' && Number.isFinite(v);
}

/** 1536 → "1.5 KiB"; binary units; null/NaN → "—". */
export function formatBytes(bytes, { digits } = {}) {
  if (!isNum(bytes)) return DASH;
  const sign = bytes < 0 ? '-' : '';
  let v = Math.abs(bytes);
  let i = 0;
  while (v >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i += 1;
  }
  const d = digits ?? (i === 0 ? 0 : v >= 100 ? 0 : v >= 10 ? 1 : 2);
  return `${sign}${v.toFixed(d)} ${BYTE_UNITS[i]}`;
}

/** Bytes per second → "1.5 MiB/s". */
export function formatRate(bps, opts) {
  if (!isNum(bps)) return DASH;
  return `${formatBytes(bps, opts)}/s`;
}

/** 42.123 → "42.1%"; values are already percents (0..100). */
export function formatPercent(pct, { digits = 1 } = {}) {
  if (!isNum(pct)) return DASH;
  return `${pct.toFixed(digits)}%`;
}

/** Seconds → the two largest units: "3d 4h", "5m 12s", "42s". */
export function formatDuration(seconds) {
  if (!isNum(seconds) || seconds < 0) return DASH;
  let s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}

/** Load average: two decimals. */
export function formatLoad(v) {
  return isNum(v) ? v.toFixed(2) : DASH;
}

/**
 * Plain count with thousands separators ("12,345"). Grouped by hand: the first toLocaleString of
 * a new tab loads ICU's locale data, 30-50 ms of the first-paint script's time in a cold renderer.
 */
export function formatCount(v) {
  if (!isNum(v)) return DASH;
  const n = Math.round(v);
  const digits = String(Math.abs(n)).replace(/\B(?=(\d{3})+$)/g, ',');
  return n < 0 ? `-${digits}` : digits;
}

/** Milliseconds, for RTT. */
export function formatMs(ms) {
  if (!isNum(ms)) return DASH;
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** Clock time HH:MM:SS (local) of a ms timestamp. */
export function formatClock(ts) {
  if (!isNum(ts)) return DASH;
  const d = new Date(ts);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** Axis tick for a time axis: HH:MM for short windows, "Mon 14:00"-ish for long ones. */
export function formatAxisTime(ts, windowMs) {
  if (!isNum(ts)) return '';
  const d = new Date(ts);
  const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  if (windowMs > 26 * 3600 * 1000) return `${d.getMonth() + 1}/${d.getDate()} ${hm}`;
  if (windowMs <= 10 * 60 * 1000) return `${hm}:${String(d.getSeconds()).padStart(2, '0')}`;
  return hm;
}

// ---- catalogue ----------------------------------------------------------------------------

/** Metric groups: each toggle is a real subscription to `metrics.<group>`. */
export const GROUPS = Object.freeze([
  { id: 'cpu', label: 'CPU' },
  { id: 'memory', label: 'Memory' },
  { id: 'network', label: 'Network' },
  { id: 'disk', label: 'Disk' },
  { id: 'load', label: 'Load' },
  { id: 'system', label: 'System' },
]);

export const groupChannel = (group) => `metrics.${group}`;

/** History ranges of the range selector (presets; an absolute from–to range is "custom"). */
export const RANGES = Object.freeze([
  { id: '5m', label: '5 min', seconds: 300 },
  { id: '1h', label: '1 h', seconds: 3600 },
  { id: '6h', label: '6 h', seconds: 21600 },
  { id: '24h', label: '24 h', seconds: 86400 },
  { id: '7d', label: '7 d', seconds: 604800 },
]);
export const MAX_HISTORY_SECONDS = 604800;

/** The charted metrics the server keeps history for, with the group each belongs to. Per-core
 * history (`cpu.cores.N`) is added for the cores the host has (see coreMetrics). */
export const HISTORY_METRICS = Object.freeze([
  { metric: 'cpu.usage', group: 'cpu' },
  { metric: 'memory.usage', group: 'memory' },
  { metric: 'memory.used', group: 'memory' },
  { metric: 'memory.swap_usage', group: 'memory' },
  { metric: 'network.rx_bps', group: 'network' },
  { metric: 'network.tx_bps', group: 'network' },
  { metric: 'disk.read_bps', group: 'disk' },
  { metric: 'disk.write_bps', group: 'disk' },
  { metric: 'load.1m', group: 'load' },
  { metric: 'load.5m', group: 'load' },
  { metric: 'load.15m', group: 'load' },
]);

/** `cpu.cores.0` … `cpu.cores.N-1`: the per-core history metric names. */
export function coreMetrics(count) {
  return Array.from({ length: Math.max(0, Math.min(1024, count | 0)) }, (_, i) => `cpu.cores.${i}`);
}

/** Series stored from a metrics frame: key → value getter, by group. */
export function seriesValues(frame) {
  const out = [];
  const add = (key, v) => {
    if (isNum(v)) out.push([key, v]);
  };
  const { cpu, memory, network, disk, load } = frame;
  if (cpu) {
    add('cpu.usage', cpu.usage);
    if (Array.isArray(cpu.cores)) cpu.cores.forEach((v, i) => add(`cpu.cores.${i}`, v));
  }
  if (memory) {
    add('memory.usage', memory.usage);
    add('memory.used', memory.used);
    add('memory.swap_usage', swapUsage(memory));
  }
  if (network) {
    add('network.rx_bps', network.rx_bps);
    add('network.tx_bps', network.tx_bps);
  }
  if (disk) {
    add('disk.read_bps', disk.read_bps);
    add('disk.write_bps', disk.write_bps);
  }
  if (load) {
    add('load.1m', load['1m']);
    add('load.5m', load['5m']);
    add('load.15m', load['15m']);
  }
  return out;
}

/** Swap usage in percent, if the frame carries swap at all (the field names are not fixed);
 * null when the host has no swap (total 0). */
export function swapUsage(memory) {
  if (!memory) return null;
  if (hasNoSwap(memory)) return null;
  if (isNum(memory.swap_usage)) return memory.swap_usage;
  const swap = memory.swap;
  if (swap && typeof swap === 'object') {
    if (isNum(swap.usage)) return swap.usage;
    if (isNum(swap.used) && isNum(swap.total) && swap.total > 0) return (swap.used / swap.total) * 100;
  }
  if (isNum(memory.swap_used) && isNum(memory.swap_total) && memory.swap_total > 0) {
    return (memory.swap_used / memory.swap_total) * 100;
  }
  return null;
}

/** True when the frame says the host has no swap at all (a total of 0 bytes). */
export function hasNoSwap(memory) {
  const s = memory?.swap && typeof memory.swap === 'object' ? memory.swap : null;
  const total = s ? s.total : memory?.swap_total;
  return total === 0;
}

/** Swap totals in bytes {used,total}, when present. */
export function swapBytes(memory) {
  if (!memory) return null;
  const s = memory.swap && typeof memory.swap === 'object' ? memory.swap : null;
  const used = s ? s.used : memory.swap_used;
  const total = s ? s.total : memory.swap_total;
  return isNum(used) && isNum(total) ? { used, total } : null;
}

// ---- history merge ------------------------------------------------------------------------

/**
 * Merge history points ([ts, value] pairs or {x,y}) with live {x,y} points: sorted by time,
 * one point per ts (live wins over history for the same ts), only points within `windowMs`
 * of the newest one, and at most `maxPoints` (the newest kept).
 */
export function mergePoints(history, live, { windowMs = Infinity, maxPoints = Infinity } = {}) {
  const byTs = new Map();
  for (const p of history || []) {
    const pt = Array.isArray(p) ? { x: p[0], y: p[1] } : p;
    if (pt && isNum(pt.x) && isNum(pt.y)) byTs.set(pt.x, { x: pt.x, y: pt.y });
  }
  for (const p of live || []) {
    if (p && isNum(p.x) && isNum(p.y)) byTs.set(p.x, { x: p.x, y: p.y });
  }
  let out = [...byTs.values()].sort((a, b) => a.x - b.x);
  if (out.length && Number.isFinite(windowMs)) {
    const min = out[out.length - 1].x - windowMs;
    const first = out.findIndex((p) => p.x >= min);
    out = out.slice(first);
  }
  if (out.length > maxPoints) out = out.slice(out.length - maxPoints);
  return out;
}

// ---- charts -------------------------------------------------------------------------------

/** The charts of the dashboard: which series each draws and how its axis is formatted. A
 * series' colour is its metric group's (the same as the group's card); a group's second and
 * third series use the group's darker/lighter shade and a dash pattern. */
export const CHARTS = Object.freeze([
  {
    id: 'cpu',
    title: 'CPU usage',
    group: 'cpu',
    unit: 'percent',
    yMax: 100,
    series: [{ key: 'cpu.usage', label: 'Total', color: 'cpu', width: 2, fill: true }],
  },
  {
    id: 'memory',
    title: 'Memory and swap',
    group: 'memory',
    unit: 'percent',
    yMax: 100,
    series: [
      { key: 'memory.usage', label: 'Memory', color: 'memory', width: 2, fill: true },
      { key: 'memory.swap_usage', label: 'Swap', color: 'memory-2', width: 2, dash: [6, 3] },
    ],
  },
  {
    id: 'network',
    title: 'Network',
    group: 'network',
    unit: 'rate',
    series: [
      { key: 'network.rx_bps', label: 'Receive', color: 'network', width: 2, fill: true },
      { key: 'network.tx_bps', label: 'Transmit', color: 'network-2', width: 2, dash: [6, 3] },
    ],
  },
  {
    id: 'disk',
    title: 'Disk I/O',
    group: 'disk',
    unit: 'rate',
    series: [
      { key: 'disk.read_bps', label: 'Read', color: 'disk', width: 2, fill: true },
      { key: 'disk.write_bps', label: 'Write', color: 'disk-2', width: 2, dash: [6, 3] },
    ],
  },
  {
    id: 'load',
    title: 'Load average',
    group: 'load',
    unit: 'load',
    series: [
      { key: 'load.1m', label: '1 min', color: 'load', width: 2, fill: true },
      { key: 'load.5m', label: '5 min', color: 'load-2', width: 2, dash: [6, 3] },
      { key: 'load.15m', label: '15 min', color: 'load-2', width: 1.5, dash: [2, 3] },
    ],
  },
]);

/** The colour names of the palette (CSS variables --m-NAME). */
export const COLOR_NAMES = Object.freeze([
  'cpu', 'memory', 'memory-2', 'network', 'network-2', 'disk', 'disk-2', 'load', 'load-2', 'system',
]);

export function unitFormatter(unit) {
  switch (unit) {
    case 'percent':
      return (v) => formatPercent(v, { digits: 0 });
    case 'rate':
      return (v) => formatRate(v, { digits: v >= 1024 ? 0 : undefined });
    case 'load':
      return (v) => formatLoad(v);
    default:
      return (v) => String(v);
  }
}

/** The series of a chart (the store's keys do not matter any more: cores have their own panel). */
export function chartSeries(chart) {
  return [...chart.series];
}

/** A colour of the palette read from CSS variables (`colors.metric[name]`). */
export function seriesColor(colors, spec) {
  return colors.metric?.[spec.color] || '#6b7280';
}

/** With alpha: "#rrggbb" → "rgba(r,g,b,a)"; other notations are returned as they are. */
export function withAlpha(color, alpha) {
  const m = /^#([0-9a-f]{6})$/i.exec((color || '').trim());
  if (!m) return color;
  const n = parseInt(m[1], 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

export function datasetFor(spec, colors, data) {
  const color = seriesColor(colors, spec);
  return {
    label: spec.label,
    data,
    parsing: false,
    normalized: true,
    borderColor: color,
    backgroundColor: spec.fill ? withAlpha(color, 0.14) : color,
    fill: spec.fill ? 'origin' : false,
    borderWidth: spec.width || 1.5,
    borderDash: spec.dash || [],
    pointRadius: 0,
    pointHoverRadius: 3,
    tension: 0,
    spanGaps: false,
    _key: spec.key,
  };
}

// ---- insights -----------------------------------------------------------------------------

/** Whether an insight frame says that a condition has ended. */
export function isCleared(insight) {
  if (!insight) return false;
  if (insight.active === false) return true; // the daemon's explicit flag
  if (insight.cleared === true || insight.state === 'cleared' || insight.kind === 'cleared') return true;
  return typeof insight.message === 'string' && /\b(cleared|resolved|back to normal|recovered)\b/i.test(insight.message);
}

/**
 * The alerts currently raised: per metric, the latest insight, if it is a warning or
 * critical one that has not been cleared since.
 */
export function activeAlerts(insights) {
  const latest = new Map();
  for (const ins of [...insights].sort((a, b) => (a.ts || 0) - (b.ts || 0))) {
    latest.set(ins.metric || ins.message, ins);
  }
  return [...latest.values()].filter(
    (i) => (i.level === 'warning' || i.level === 'critical') && !isCleared(i),
  );
}

/** A readable value for an insight's metric (bytes for *_bps and memory.used, % for usage). */
export function formatMetricValue(metric, value) {
  if (!isNum(value)) return DASH;
  if (typeof metric !== 'string') return String(value);
  if (metric.endsWith('_bps')) return formatRate(value);
  if (metric.endsWith('.usage') || metric.includes('.core')) return formatPercent(value);
  if (metric === 'memory.used' || metric.endsWith('bytes')) return formatBytes(value);
  if (metric.startsWith('load.')) return formatLoad(value);
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}
