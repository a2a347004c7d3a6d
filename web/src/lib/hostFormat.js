// Formatting and sorting for the host tables (processes, filesystems, host identity).
// Pure functions, no React: tested in hostFormat.test.js.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 1536 → "1.5 KiB"; null/undefined → "—". */
export function bytes(v) {
  if (v == null || !Number.isFinite(v)) return '—';
  let u = 0;
  let x = Math.abs(v);
  while (x >= 1024 && u < UNITS.length - 1) {
    x /= 1024;
    u += 1;
  }
  const s = u === 0 ? String(Math.round(x)) : x < 10 ? x.toFixed(1) : String(Math.round(x));
  return `${v < 0 ? '-' : ''}${s} ${UNITS[u]}`;
}

/** 12.345 → "12.3 %"; null → "—". */
export function percent(v) {
  return v == null || !Number.isFinite(v) ? '—' : `${v.toFixed(1)} %`;
}

/** Seconds as "3 d 4 h", "2 h 5 min", "45 s". */
export function duration(seconds) {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d} d ${h} h`;
  if (h) return `${h} h ${m} min`;
  if (m) return `${m} min`;
  return `${s} s`;
}

/** A start time (ms) relative to now: "5 min ago"; null → "—". */
export function since(ts, now = Date.now()) {
  if (ts == null) return '—';
  return `${duration((now - ts) / 1000)} ago`;
}

/** The processes frame's two lists as one, each pid once. */
export function processRows(frame) {
  if (!frame) return [];
  const seen = new Map();
  for (const r of [...(frame.by_cpu || []), ...(frame.by_memory || [])]) {
    if (r && !seen.has(r.pid)) seen.set(r.pid, r);
  }
  return [...seen.values()];
}

/** Sorts rows by key ("asc"/"desc"); nulls always last; ties by pid. */
export function sortRows(rows, key, dir) {
  const sign = dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = a[key];
    const y = b[key];
    if (x == null && y == null) return a.pid - b.pid;
    if (x == null) return 1;
    if (y == null) return -1;
    const c = typeof x === 'string' ? x.localeCompare(y) : x - y;
    return c !== 0 ? sign * c : (a.pid ?? 0) - (b.pid ?? 0);
  });
}

/** Process state letters in words. */
export const STATES = Object.freeze({
  R: 'running',
  S: 'sleeping',
  D: 'disk wait',
  Z: 'zombie',
  T: 'stopped',
  t: 'traced',
  X: 'dead',
  I: 'idle',
});
