import { describe, expect, it } from 'vitest';
import { SeriesStore, stepForWindow } from './seriesStore.js';

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

  it('keeps one point per step on long windows, the newest value in it', () => {
    const s = new SeriesStore({ windowMs: 86400000 });
    expect(stepForWindow(86400000)).toBe(86400);
    for (let t = 0; t < 86400 * 3; t += 1000) s.push('m', t, t);
    const arr = s.get('m');
    expect(arr.length).toBe(3);
    expect(arr[2]).toEqual({ x: 259000, y: 259000 });
    expect(arr.map((p) => Math.floor(p.x / 86400))).toEqual([0, 1, 2]);
  });

  it('merges history into live points and keeps order when a late point arrives', () => {
    const s = new SeriesStore({ windowMs: 45000 });
    s.push('m', 50000, 5);
    s.push('m', 51000, 6);
    const n = s.mergeHistory('m', [[0, 0], [10000, 1], [50000, 9], [45000, 4]]);
    expect(n).toBe(4);
    expect(s.get('m').map((p) => p.x)).toEqual([10000, 45000, 50000, 51000]);
    expect(s.get('m')[2].y).toBe(5); // live wins over history for the same ts
    s.push('m', 48000, 7);
    expect(s.get('m').map((p) => p.x)).toEqual([10000, 45000, 48000, 50000, 51000]);
  });

  it('keeps a whole history window when dense live points were there before', () => {
    const s = new SeriesStore({ windowMs: 300000 });
    const now = 10_000_000;
    for (let t = now - 300000; t <= now; t += 200) s.push('m', t, 1);
    s.setWindow(3600000);
    const history = Array.from({ length: 1000 }, (_, i) => [now - 3600000 + i * 3600, 2]);
    s.mergeHistory('m', history);
    const arr = s.get('m');
    expect(arr[0].x).toBe(now - 3600000);
    expect(arr.length).toBeLessThanOrEqual(1001);
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
});
