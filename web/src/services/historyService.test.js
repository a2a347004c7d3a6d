import { describe, expect, it, vi } from 'vitest';
import { fetchHistory, historyPoints, historySeconds } from './historyService.js';

const err = (code) => Object.assign(new Error(code), { code });

describe('history requests', () => {
  it('asks for all metrics in one batched request with the chart width as points', async () => {
    const request = vi.fn(async (msg) => ({
      type: 'history',
      seconds: msg.seconds,
      series: Object.fromEntries(msg.metrics.map((m) => [m, { step_ms: 1000, points: [[1, 2]] }])),
    }));
    const state = {};
    const r = await fetchHistory(request, { metrics: ['cpu.usage', 'memory.usage'], seconds: 3600, points: 640 }, state);
    expect(request).toHaveBeenCalledTimes(1);
    expect(request.mock.calls[0][0]).toEqual({ type: 'history', metrics: ['cpu.usage', 'memory.usage'], seconds: 3600, points: 640 });
    expect(Object.keys(r.series)).toEqual(['cpu.usage', 'memory.usage']);
    expect(r.requests).toBe(1);
    expect(state.batched).toBe(true);
  });

  it('falls back to one request per metric on a server without the batched form, and remembers it', async () => {
    const request = vi.fn(async (msg) => {
      if (msg.metrics) throw err('bad_request');
      return { type: 'history', metric: msg.metric, step_ms: 1000, points: [[1, 2]] };
    });
    const state = {};
    const r = await fetchHistory(request, { metrics: ['a', 'b'], seconds: 60, points: 100 }, state);
    expect(r.requests).toBe(3);
    expect(Object.keys(r.series).sort()).toEqual(['a', 'b']);
    expect(state.batched).toBe(false);
    const again = await fetchHistory(request, { metrics: ['a', 'b'], seconds: 60, points: 100 }, state);
    expect(again.requests).toBe(2);
  });

  it('learns which metric is unknown, reports it once and leaves it out of later batches', async () => {
    const request = vi.fn(async (msg) => {
      if (msg.metrics) {
        if (msg.metrics.includes('x') || msg.metrics.includes('cpu.cores.0')) throw err('unknown_metric');
        return { type: 'history', series: Object.fromEntries(msg.metrics.map((m) => [m, { step_ms: 1, points: [] }])) };
      }
      if (msg.metric === 'x' || msg.metric === 'cpu.cores.0') throw err('unknown_metric');
      return { type: 'history', metric: msg.metric, step_ms: 1, points: [] };
    });
    const state = {};
    const r = await fetchHistory(request, { metrics: ['a', 'x', 'cpu.cores.0'], seconds: 60 }, state);
    expect(r.failed).toEqual([{ metric: 'x', code: 'unknown_metric' }]); // cores: quietly dropped
    request.mockClear();
    const again = await fetchHistory(request, { metrics: ['a', 'x', 'cpu.cores.0'], seconds: 60 }, state);
    expect(request).toHaveBeenCalledTimes(1);
    expect(request.mock.calls[0][0].metrics).toEqual(['a']);
    expect(again.failed).toEqual([]);
  });

  it('sizes the request: seconds back from now, points per pixel', () => {
    expect(historySeconds({ seconds: 3600 })).toBe(3600);
    expect(historySeconds({ from: 0 }, 10_000_000, 604800)).toBe(10000);
    expect(historySeconds({ from: 0 }, 1e12, 604800)).toBe(604800);
    expect(historyPoints(640, 3600)).toBe(640);
    expect(historyPoints(5000, 3600)).toBe(1000);
    expect(historyPoints(400, 7200, 3600000)).toBe(800);
    expect(historyPoints(1, 60)).toBe(2);
  });
});
