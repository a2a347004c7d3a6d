import { describe, expect, it } from 'vitest';
import { SeriesStore, countValues, stepForWindow, withGaps } from './seriesStore.js';

describe('SeriesStore', () => {
  it('keeps the same array for a key and a window of points', () => {
    const s = new SeriesStore({ windowMs: 10000 });
    const arr = s.get('cpu.usage');
    for (let t = 0; t <= 30000; t += 1000) s.push('cpu.usage', t, t / 1000);
    expect(s.get('cpu.usage')).toBe(arr);
    expect(arr[0].x).toBe(20000);
    expect(arr[arr.length - 1]).toEqual({ x: 30000, y: 30 });
    expect(arr.length).toBe(11);
  });

  it('stays bounded over a long run (no growth)', () => {
    const s = new SeriesStore({ windowMs: 300000 });
    for (let t = 0; t < 3600000; t += 200) s.push('cpu.usage', t, 1);
    expect(s.size()).toBeLessThanOrEqual(1001);
  });

  it('keeps one point per step of window / resolution, the newest value in it', () => {
    const s = new SeriesStore({ windowMs: 86400000, resolution: 1000 });
    expect(stepForWindow(86400000, 1000)).toBe(86400);
    for (let t = 0; t < 86400 * 3; t += 1000) s.push('m', t, t);
    const arr = s.get('m');
    expect(arr.length).toBe(3);
    expect(arr[2]).toEqual({ x: 259000, y: 259000 });
  });

  it('draws as many points as the chart has pixels: a narrower chart keeps fewer', () => {
    const s = new SeriesStore({ windowMs: 60000, resolution: 60 });
    for (let t = 0; t < 60000; t += 100) s.push('m', t, 1);
    expect(s.get('m').length).toBeLessThanOrEqual(61);
    s.setWindow(60000, 30);
    expect(s.get('m').length).toBeLessThanOrEqual(31);
  });

  it('breaks the line (a null point) where live samples stop and start again', () => {
    const s = new SeriesStore({ windowMs: 300000, resolution: 1000 });
    for (let t = 0; t <= 2000; t += 200) s.push('m', t, 1);
    s.push('m', 20000, 2); // 18 s without a sample
    const arr = s.get('m');
    const gap = arr.findIndex((p) => p.y === null);
    expect(gap).toBeGreaterThan(0);
    expect(arr[gap - 1].x).toBe(2000);
    expect(arr[gap + 1]).toEqual({ x: 20000, y: 2 });
    expect(countValues(arr)).toBe(arr.length - 1);
  });

  it('keeps history values that are null as breaks, and breaks at missing history steps', () => {
    const s = new SeriesStore({ windowMs: 100000 });
    const n = s.mergeHistory('m', [[0, 1], [1000, null], [2000, 3], [3000, 4], [30000, 5], [31000, 6]], 1000);
    const arr = s.get('m');
    expect(n).toBe(5);
    expect(arr[1]).toEqual({ x: 1000, y: null });
    const breakAt = arr.findIndex((p, i) => i > 1 && p.y === null);
    expect(arr[breakAt - 1].x).toBe(3000);
    expect(arr[breakAt + 1].x).toBe(30000);
  });

  it('history replaces the live points of its span and keeps the live ones around it', () => {
    const s = new SeriesStore({ windowMs: 45000 });
    s.push('m', 9000, 7);
    s.push('m', 50000, 5);
    s.push('m', 51000, 6);
    s.mergeHistory('m', [[10000, 1], [11000, 2], [49000, 4]], 1000);
    const xs = s.get('m').filter((p) => p.y !== null).map((p) => p.x);
    expect(xs).toEqual([9000, 10000, 11000, 49000, 50000, 51000]);
  });

  it('keeps a whole history window when dense live points were there before', () => {
    const s = new SeriesStore({ windowMs: 300000 });
    const now = 10_000_000;
    for (let t = now - 300000; t <= now; t += 200) s.push('m', t, 1);
    s.setWindow(3600000, 1000);
    const history = Array.from({ length: 1000 }, (_, i) => [now - 3600000 + 3600 + i * 3600, 2]);
    s.mergeHistory('m', history, 3600);
    const arr = s.get('m');
    expect(arr[0].x).toBe(now - 3600000 + 3600);
    expect(countValues(arr)).toBe(1000);
    expect(arr[arr.length - 1].x).toBe(now);
  });

  it('setWindow trims every series in place', () => {
    const s = new SeriesStore({ windowMs: 3600000 });
    const arr = s.get('m');
    for (let t = 0; t <= 600000; t += 10000) s.push('m', t, 1);
    s.setWindow(300000);
    expect(s.get('m')).toBe(arr);
    expect(arr[0].x).toBe(300000);
  });

  it('withGaps never doubles a break and leaves close samples alone', () => {
    const pts = [{ x: 0, y: 1 }, { x: 10, y: null }, { x: 100, y: 2 }, { x: 101, y: 3 }];
    expect(withGaps(pts, 50)).toEqual(pts);
  });
});

describe('history finer than the chart', () => {
  it('is averaged to the store step, so the drawn count matches the chart width', async () => {
    const { averageToStep } = await import('./seriesStore.js');
    expect(averageToStep([{ x: 0, y: 1 }, { x: 5, y: 3 }, { x: 10, y: null }, { x: 12, y: 5 }, { x: 25, y: null }], 10)).toEqual([
      { x: 5, y: 2 },
      { x: 12, y: 5 },
      { x: 25, y: null },
    ]);
    const s = new SeriesStore({ windowMs: 60000, resolution: 60 });
    s.mergeHistory('m', Array.from({ length: 300 }, (_, i) => [i * 200, 1]), 200);
    expect(countValues(s.get('m'))).toBe(60);
  });
});

describe('a young daemon', () => {
  it('fits the step to the time the data covers, and coarsens it as data grows', () => {
    const s = new SeriesStore({ windowMs: 604800000, resolution: 100 });
    expect(s.stepMs).toBe(6048000);
    s.fitSpan(60000);
    expect(s.stepMs).toBe(600);
    for (let t = 0; t < 600000; t += 200) s.push('m', t, 1);
    expect(s.get('m').length).toBeLessThanOrEqual(151);
    expect(s.get('m').length).toBeGreaterThan(50);
    expect(s.coveredMs(['m'])).toBeGreaterThan(590000);
  });
});
