// ticks: round axis steps. Bytes step in binary units (1, 2, 5 × 1024^k: 200 MiB/s, never
// 191 MiB/s), times step in clock units (10 s, 5 min, 3 h, 1 d) aligned to local time, and time
// labels that carry the date whenever the axis spans more than a day or crosses midnight.

const K = 1024;
const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
const MANTISSAS = [1, 2, 5, 10, 20, 50, 100, 200, 500];

/** Binary-round byte step so that [0, max] needs at most `maxTicks` − 1 steps. */
export function niceByteStep(max, maxTicks = 5) {
  const top = Number.isFinite(max) && max > 0 ? max : K;
  const intervals = Math.max(1, maxTicks - 1);
  for (let power = 0; power < BYTE_UNITS.length; power += 1) {
    for (const m of MANTISSAS) {
      const step = m * K ** power;
      if (top / step <= intervals) return step;
    }
  }
  return 500 * K ** (BYTE_UNITS.length - 1);
}

/** Ticks 0, step, 2·step … up to the first multiple ≥ max. */
export function byteTicks(max, maxTicks = 5) {
  const m = Number.isFinite(max) && max > 0 ? max : 1000; // idle: 0 … 1000 B, distinct labels
  const step = niceByteStep(m, maxTicks);
  const top = Math.max(step, Math.ceil(m / step) * step);
  const out = [];
  for (let v = 0; v <= top + step / 2; v += step) out.push(v);
  return { step, max: top, ticks: out };
}

/** A byte tick label in the step's unit: "200 MiB", "1.5 GiB" (only if the step needs it). */
export function formatByteTick(value, step) {
  let power = 0;
  while (power < BYTE_UNITS.length - 1 && step >= K ** (power + 1)) power += 1;
  const v = value / K ** power;
  const digits = Number.isInteger(step / K ** power) ? 0 : 1;
  return `${v.toFixed(digits)} ${BYTE_UNITS[power]}`;
}

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
export const TIME_STEPS = [
  S, 2 * S, 5 * S, 10 * S, 15 * S, 30 * S,
  M, 2 * M, 5 * M, 10 * M, 15 * M, 30 * M,
  H, 2 * H, 3 * H, 6 * H, 12 * H,
  D, 2 * D, 7 * D,
];

/** The smallest clock step that cuts [min, max] into at most `maxTicks` − 1 … maxTicks parts. */
export function niceTimeStep(spanMs, maxTicks = 6) {
  for (const step of TIME_STEPS) if (spanMs / step <= maxTicks) return step;
  return TIME_STEPS[TIME_STEPS.length - 1];
}

/** Local midnight before ts. */
function localMidnight(ts) {
  const d = new Date(ts);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** Tick positions: multiples of the step counted from local midnight, within [min, max]. */
export function timeTicks(min, max, maxTicks = 6) {
  if (!(max > min)) return { step: S, ticks: [] };
  const step = niceTimeStep(max - min, maxTicks);
  const out = [];
  if (step >= D) {
    let t = localMidnight(min);
    if (t < min) t = localMidnight(t + D + 2 * H);
    const days = step / D;
    while (t <= max) {
      out.push(t);
      const d = new Date(t);
      d.setDate(d.getDate() + days);
      t = d.getTime();
    }
  } else {
    const base = localMidnight(min);
    for (let t = base + Math.ceil((min - base) / step) * step; t <= max; t += step) out.push(t);
  }
  return { step, ticks: out };
}

const pad = (n) => String(n).padStart(2, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "5 Dec" of a timestamp (local). */
export function formatDate(ts) {
  const d = new Date(ts);
  return `${d.getDate()} ${MONTHS[d.getMonth()]}`;
}

/** Full local date and time: "5 Dec 2026 14:03:07", for tooltips and tables. */
export function formatDateTime(ts) {
  const d = new Date(ts);
  return `${formatDate(ts)} ${d.getFullYear()} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/**
 * Label of a time tick: the clock (with seconds below a minute step); the date on a second line
 * for the first tick and each tick on a new day when the axis spans a day or more or crosses
 * midnight; only the date for day steps.
 */
export function formatTimeTick(ts, step, prevTs) {
  const d = new Date(ts);
  if (step >= D) return formatDate(ts);
  const clock = step < M ? `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` : `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const newDay = prevTs == null ? null : localMidnight(prevTs) !== localMidnight(ts);
  if (newDay || (prevTs == null && step >= H)) return [clock, formatDate(ts)];
  return clock;
}
