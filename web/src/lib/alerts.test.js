import { describe, expect, it, vi } from 'vitest';
import {
  activeAlerts,
  formatWhen,
  insightId,
  isResolved,
  loadInsightHistory,
  mergeAlerts,
  resolutionsOf,
} from './alerts.js';

const raised = {
  type: 'insight',
  state: 'raised',
  active: true,
  level: 'warning',
  key: 'threshold:cpu.usage',
  metric: 'cpu.usage',
  message: 'CPU at 97 %, above 90 % for 60 s',
  value: 97,
  threshold: 90,
  ts: 1000,
  seq: 7,
};
const resolved = {
  type: 'insight',
  state: 'resolved',
  active: false,
  level: 'info',
  key: 'threshold:cpu.usage',
  metric: 'cpu.usage',
  message: 'CPU back to normal at 12 % (alert lasted 5 min)',
  value: 12,
  ts: 301000,
  seq: 8,
  resolves: 7,
  raised_ts: 1000,
  reason: 'recovered',
};

describe('alerts', () => {
  it('tells raised from resolved, with the older active flag as a fallback', () => {
    expect(isResolved(raised)).toBe(false);
    expect(isResolved(resolved)).toBe(true);
    expect(isResolved({ active: false })).toBe(true);
    expect(isResolved({ state: 'raised', active: false })).toBe(false);
    expect(isResolved(null)).toBe(false);
  });

  it('pairs a resolution with the raised alert it names', () => {
    const map = resolutionsOf([resolved, raised]);
    expect(map.get(7)).toBe(resolved);
    expect(activeAlerts([resolved, raised])).toEqual([]);
    expect(activeAlerts([raised])).toEqual([raised]);
  });

  it('keeps an alert active while another metric resolves', () => {
    const disk = { ...raised, key: 'anomaly:disk.write_bps', metric: 'disk.write_bps', seq: 9, ts: 2000 };
    expect(activeAlerts([disk, resolved, raised]).map((a) => a.seq)).toEqual([9]);
  });

  it('falls back to the latest word per key without seq numbers', () => {
    const old = { level: 'warning', metric: 'cpu.usage', message: 'high', ts: 1 };
    const clear = { level: 'info', metric: 'cpu.usage', message: 'ok', ts: 2, active: false };
    expect(activeAlerts([clear, old])).toEqual([]);
    expect(activeAlerts([old])).toEqual([old]);
  });

  it('merges history and live frames once each, newest first, bounded', () => {
    const live = mergeAlerts([], [raised]);
    const after = mergeAlerts(live, [raised, resolved, null, 'x']);
    expect(after.map(insightId)).toEqual(['seq:8', 'seq:7']);
    expect(mergeAlerts(after, [raised])).toBe(after);
    const many = Array.from({ length: 10 }, (_, i) => ({ ...raised, seq: 100 + i, ts: 400000 + i }));
    expect(mergeAlerts(after, many, 4).map((i) => i.seq)).toEqual([109, 108, 107, 106]);
  });

  it('writes times with the date when not today', () => {
    const now = new Date(2026, 11, 5, 10, 0, 0).getTime();
    expect(formatWhen(new Date(2026, 11, 5, 9, 3, 7).getTime(), now)).toBe('09:03:07');
    expect(formatWhen(new Date(2026, 11, 3, 23, 15, 0).getTime(), now)).toBe('3 Dec 23:15');
    expect(formatWhen(undefined, now)).toBe('—');
  });

  it('asks the daemon for the recent insights', async () => {
    const request = vi.fn().mockResolvedValue({ type: 'insights', insights: [raised] });
    await expect(loadInsightHistory(request)).resolves.toEqual([raised]);
    expect(request).toHaveBeenCalledWith({ type: 'insights', seconds: 86400, limit: 100 });
    request.mockResolvedValue({ type: 'insights' });
    await expect(loadInsightHistory(request, { seconds: 60, limit: 5 })).resolves.toEqual([]);
    expect(request).toHaveBeenLastCalledWith({ type: 'insights', seconds: 60, limit: 5 });
  });
});
