// SeriesStore: the points the charts draw, one array of {x,y} per series key.
//
// Each array keeps its identity for the store's life (charts hold a reference and are
// updated in place), is sorted by x, never holds points older than `windowMs` before the
// newest sample, and is bounded: time is cut into steps of `stepMs` (window / resolution, the
// resolution being the chart width in pixels, at most 1000) and a live sample in the same step
// as the tail point replaces it, so a 7-day window holds as many points as the chart has pixels.
// Where samples are missing (the daemon or the connection was down, or history has no value),
// a {x, y: null} point is stored, so that the line breaks there instead of bridging the gap.

export const MAX_POINTS = 1500;
export const DEFAULT_RESOLUTION = 1000;

export function stepForWindow(windowMs, resolution = DEFAULT_RESOLUTION) {
  return Math.max(1, Math.floor(windowMs / Math.max(2, resolution)));
}

/** One point per step (the newest of each), as live points are kept. Returns a new array. */
export function compactToStep(points, stepMs) {
  if (!(stepMs > 0)) return points.slice();
  const out = [];
  for (const p of points) {
    const last = out[out.length - 1];
    if (last && last.y !== null && p.y !== null && Math.floor(last.x / stepMs) === Math.floor(p.x / stepMs)) {
      out[out.length - 1] = p;
    } else out.push(p);
  }
  return out;
}

/** Average points into buckets of stepMs (the bucket's mean at its newest point's time); a
 * bucket without values stays a null point. For history that came finer than the chart draws. */
export function averageToStep(points, stepMs) {
  if (!(stepMs > 0)) return points.slice();
  const out = [];
  let bucket = null;
  let sum = 0;
  let n = 0;
  let x = 0;
  const flush = () => {
    if (bucket !== null) out.push({ x, y: n ? sum / n : null });
  };
  for (const p of points) {
    const b = Math.floor(p.x / stepMs);
    if (b !== bucket) {
      flush();
      bucket = b;
      sum = 0;
      n = 0;
    }
    x = p.x;
    if (p.y !== null) {
      sum += p.y;
      n += 1;
    }
  }
  flush();
  return out;
}

/** A copy with a null point inserted wherever two samples are more than gapMs apart. */
export function withGaps(points, gapMs) {
  const out = [];
  for (const p of points) {
    const last = out[out.length - 1];
    if (last && last.y !== null && p.y !== null && p.x - last.x > gapMs) out.push({ x: last.x + 1, y: null });
    if (!(last && last.y === null && p.y === null)) out.push(p);
  }
  return out;
}

const finite = (v) => typeof v === 'number' && Number.isFinite(v);

/** History points [[ts, v|null], …] (or {x,y}) → sorted {x,y} with y null where there was no value. */
export function historyToPoints(points) {
  const out = [];
  for (const p of points || []) {
    const x = Array.isArray(p) ? p[0] : p?.x;
    const y = Array.isArray(p) ? p[1] : p?.y;
    if (finite(x)) out.push({ x, y: finite(y) ? y : null });
  }
  return out.sort((a, b) => a.x - b.x);
}

/** Points with a value (null gap markers not counted). */
export function countValues(points) {
  let n = 0;
  for (const p of points) if (p.y !== null) n += 1;
  return n;
}

export class SeriesStore {
  constructor({ windowMs = 300000, maxPoints = MAX_POINTS, resolution = DEFAULT_RESOLUTION, sampleMs = null } = {}) {
    this.series = new Map();
    this.windowMs = windowMs;
    this.resolution = resolution;
    this.spanMs = null; // the time the data covers, if shorter than the window (a young daemon)
    this.stepMs = stepForWindow(windowMs, resolution);
    this.maxPoints = maxPoints;
    this.latestTs = null;
    this.sampleMs = sampleMs; // the daemon's sampling interval, learnt from the data if not given
    this.lastRaw = new Map();
  }

  keys() {
    return [...this.series.keys()];
  }

  /** The array for a key (created empty on first use, then always the same array). */
  get(key) {
    let arr = this.series.get(key);
    if (!arr) {
      arr = [];
      this.series.set(key, arr);
    }
    return arr;
  }

  size() {
    let n = 0;
    for (const arr of this.series.values()) n += arr.length;
    return n;
  }

  /** Samples further apart than this are a gap. */
  gapMs(historyStepMs = 0) {
    const sample = this.sampleMs || 1000;
    return Math.max(3 * sample, 2.5 * this.stepMs, 2.5 * historyStepMs);
  }

  learnInterval(key, x) {
    const prev = this.lastRaw.get(key);
    this.lastRaw.set(key, x);
    const d = x - prev;
    if (prev != null && d > 0 && (!this.sampleMs || d < this.sampleMs)) this.sampleMs = d;
  }

  /** Add one live sample. */
  push(key, x, y) {
    if (!finite(x) || !finite(y)) return;
    this.learnInterval(key, x);
    const arr = this.get(key);
    const last = arr[arr.length - 1];
    if (this.latestTs === null || x > this.latestTs) this.latestTs = x;
    if (last && x < last.x) {
      // Out of order (e.g. after a reconnect): merge properly.
      const merged = [...arr.filter((p) => p.y !== null), { x, y }].sort((a, b) => a.x - b.x);
      this.replace(key, withGaps(compactToStep(merged, this.stepMs), this.gapMs()));
      this.trim(key);
      return;
    }
    if (last && x === last.x) {
      last.y = y;
      return;
    }
    if (last && last.y !== null && x - last.x > this.gapMs()) arr.push({ x: last.x + 1, y: null });
    const tail = arr[arr.length - 1];
    if (tail && tail.y !== null && Math.floor(tail.x / this.stepMs) === Math.floor(x / this.stepMs)) {
      // Same step as the tail point: the tail shows the newest value of its step.
      tail.x = x;
      tail.y = y;
    } else {
      arr.push({ x, y });
    }
    this.trim(key);
    // Data covering more than the span it was fitted to: a coarser step, one point per pixel.
    if (this.spanMs !== null && arr.length > 1.5 * this.resolution) this.fitSpan(2 * this.spanMs);
  }

  /** Fit the step to data that covers only `spanMs` of the window (more detail while young). */
  fitSpan(spanMs) {
    this.spanMs = spanMs >= this.windowMs ? null : Math.max(1000, spanMs);
    this.stepMs = stepForWindow(Math.min(this.windowMs, this.spanMs ?? this.windowMs), this.resolution);
    for (const key of this.series.keys()) {
      this.replace(key, compactToStep(this.get(key), this.stepMs));
      this.trim(key);
    }
  }

  /**
   * Merge a history reply ([ts, value|null] pairs, oldest first, `stepMs` apart) into a series:
   * history is kept as it came (already averaged to the resolution), live points before and
   * after its span are kept, and gaps become null points. Returns the number of values kept.
   */
  mergeHistory(key, points, stepMs = 0) {
    let hist = historyToPoints(points);
    if (hist.length > 1 && this.stepMs > 1.5 * (stepMs || 0)) hist = averageToStep(hist, this.stepMs);
    const arr = this.get(key).filter((p) => p.y !== null);
    let merged;
    if (hist.length) {
      const first = hist[0].x;
      const last = hist[hist.length - 1].x;
      merged = [...arr.filter((p) => p.x < first), ...hist, ...arr.filter((p) => p.x > last)];
    } else merged = arr;
    this.replace(key, withGaps(merged, this.gapMs(stepMs)));
    this.trim(key);
    const newest = merged[merged.length - 1];
    if (newest && (this.latestTs === null || newest.x > this.latestTs)) this.latestTs = newest.x;
    return countValues(this.get(key));
  }

  replace(key, points) {
    const arr = this.get(key);
    arr.splice(0, arr.length, ...points);
  }

  /** A new window (range selector) or resolution (chart width): keeps array identities. */
  setWindow(windowMs, resolution = this.resolution) {
    this.windowMs = windowMs;
    this.resolution = resolution;
    this.spanMs = null;
    this.stepMs = stepForWindow(windowMs, resolution);
    for (const key of this.series.keys()) {
      this.replace(key, compactToStep(this.get(key), this.stepMs));
      this.trim(key);
    }
  }

  trim(key) {
    const arr = this.get(key);
    if (!arr.length) return;
    const newest = Math.max(arr[arr.length - 1].x, this.latestTs ?? -Infinity);
    const min = newest - this.windowMs;
    let drop = 0;
    while (drop < arr.length && arr[drop].x < min) drop += 1;
    while (drop < arr.length && arr[drop].y === null) drop += 1; // no leading gap marker
    if (arr.length - drop > this.maxPoints) drop = arr.length - this.maxPoints;
    if (drop > 0) arr.splice(0, drop);
  }

  /** The time covered by the data of these keys (0 if none). */
  coveredMs(keys) {
    let first = Infinity;
    let last = -Infinity;
    for (const k of keys) {
      const arr = this.series.get(k);
      if (!arr?.length) continue;
      first = Math.min(first, arr[0].x);
      last = Math.max(last, arr[arr.length - 1].x);
    }
    return last > first ? last - first : 0;
  }

  clear() {
    for (const arr of this.series.values()) arr.length = 0;
    this.latestTs = null;
    this.lastRaw.clear();
  }
}
