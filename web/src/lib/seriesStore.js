// SeriesStore: the points the charts draw, one array of {x,y} per series key.
//
// Each array keeps its identity for the store's life (charts hold a reference and are
// updated in place), is sorted by x, never holds points older than `windowMs` before the
// newest sample, and is bounded: time is cut into steps of `stepMs` (window / 1000) and a live
// sample in the same step as the tail point replaces it, so a 7-day window holds about as
// many points as a 5-minute one. `maxPoints` is the hard cap.

import { mergePoints } from '../services/dashboardService.js';

export const MAX_POINTS = 1500;

export function stepForWindow(windowMs) {
  // History replies hold at most 1000 points: live points are kept at the same density.
  return Math.floor(windowMs / 1000);
}

/** One point per step (the newest of each), as live points are kept. Returns a new array. */
export function compactToStep(points, stepMs) {
  if (!(stepMs > 0)) return points.slice();
  const out = [];
  for (const p of points) {
    const last = out[out.length - 1];
    if (last && Math.floor(last.x / stepMs) === Math.floor(p.x / stepMs)) out[out.length - 1] = p;
    else out.push(p);
  }
  return out;
}

export class SeriesStore {
  constructor({ windowMs = 300000, maxPoints = MAX_POINTS } = {}) {
    this.series = new Map();
    this.windowMs = windowMs;
    this.stepMs = stepForWindow(windowMs);
    this.maxPoints = maxPoints;
    this.latestTs = null;
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

  /** Add one live sample. */
  push(key, x, y) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    const arr = this.get(key);
    const last = arr[arr.length - 1];
    if (this.latestTs === null || x > this.latestTs) this.latestTs = x;
    if (last && x < last.x) {
      // Out of order (e.g. after a reconnect): merge properly.
      this.replace(key, mergePoints([], [...arr, { x, y }], { windowMs: this.windowMs, maxPoints: this.maxPoints }));
      return;
    }
    if (last && x === last.x) {
      last.y = y;
      return;
    }
    if (last && this.stepMs > 0 && Math.floor(last.x / this.stepMs) === Math.floor(x / this.stepMs)) {
      // Same step as the tail point: the tail shows the newest value of its step.
      last.x = x;
      last.y = y;
    } else {
      arr.push({ x, y });
    }
    this.trim(key);
  }

  /** Merge history ([ts,value] pairs, oldest first) into a series. */
  mergeHistory(key, points) {
    const arr = this.get(key);
    const merged = mergePoints(points, arr, { windowMs: this.windowMs, maxPoints: Infinity });
    this.replace(key, compactToStep(merged, this.stepMs));
    this.trim(key);
    const last = merged[merged.length - 1];
    if (last && (this.latestTs === null || last.x > this.latestTs)) this.latestTs = last.x;
    return arr.length;
  }

  replace(key, points) {
    const arr = this.get(key);
    arr.splice(0, arr.length, ...points);
  }

  /** A new window (range selector): drops what falls outside, keeps array identities. */
  setWindow(windowMs) {
    this.windowMs = windowMs;
    this.stepMs = stepForWindow(windowMs);
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
    if (arr.length - drop > this.maxPoints) drop = arr.length - this.maxPoints;
    if (drop > 0) arr.splice(0, drop);
  }

  clear() {
    for (const arr of this.series.values()) arr.length = 0;
    this.latestTs = null;
  }
}
