import { describe, expect, it } from 'vitest';
import {
  activeAlerts,
  coreMetrics,
  formatAxisTime,
  formatBytes,
  formatClock,
  formatCount,
  formatDuration,
  formatLoad,
  formatMetricValue,
  formatMs,
  formatPercent,
  formatRate,
  hasNoSwap,
  isCleared,
  mergePoints,
  seriesValues,
  swapUsage,
  withAlpha,
} from './dashboardService.js';


describe('formatters', () => {
  it('formatBytes uses binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.00 KiB');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(10.5 * 1024 ** 2)).toBe('10.5 MiB');
    expect(formatBytes(512 * 1024 ** 3)).toBe('512 GiB');
    expect(formatBytes(3 * 1024 ** 4)).toBe('3.00 TiB');
    expect(formatBytes(-2048)).toBe('-2.00 KiB');
    expect(formatBytes(null)).toBe('—');
    expect(formatBytes(NaN)).toBe('—');
  });

  it('formatRate appends /s', () => {
    expect(formatRate(0)).toBe('0 B/s');
    expect(formatRate(2.5 * 1024 ** 2)).toBe('2.50 MiB/s');
    expect(formatRate(undefined)).toBe('—');
  });

  it('formatPercent', () => {
    expect(formatPercent(42.123)).toBe('42.1%');
    expect(formatPercent(100, { digits: 0 })).toBe('100%');
    expect(formatPercent('42')).toBe('—');
  });

  it('formatDuration shows the two largest units', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(312)).toBe('5m 12s');
    expect(formatDuration(3 * 3600 + 7 * 60 + 5)).toBe('3h 7m');
    expect(formatDuration(3 * 86400 + 4 * 3600 + 59)).toBe('3d 4h');
    expect(formatDuration(-1)).toBe('—');
    expect(formatDuration(undefined)).toBe('—');
  });

  it('formatLoad, formatCount, formatMs, formatClock', () => {
    expect(formatLoad(1.234)).toBe('1.23');
    expect(formatCount(12345.4)).toBe('12,345');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(1000)).toBe('1,000');
    expect(formatCount(-1234567.6)).toBe('-1,234,568');
    expect(formatCount(0)).toBe('0');
    expect(formatMs(3.21)).toBe('3.2 ms');
    expect(formatMs(123.4)).toBe('123 ms');
    const ts = new Date(2025, 0, 2, 3, 4, 5).getTime();
    expect(formatClock(ts)).toBe('03:04:05');
    expect(formatAxisTime(ts, 300000)).toBe('03:04:05');
    expect(formatAxisTime(ts, 3600000)).toBe('03:04');
    expect(formatAxisTime(ts, 7 * 86400000)).toBe('1/2 03:04');
  });

  it('formatMetricValue picks the unit from the metric name', () => {
    expect(formatMetricValue('cpu.usage', 91.26)).toBe('91.3%');
    expect(formatMetricValue('network.rx_bps', 2048)).toBe('2.00 KiB/s');
    expect(formatMetricValue('memory.used', 1024 ** 3)).toBe('1.00 GiB');
    expect(formatMetricValue('load.1m', 2)).toBe('2.00');
    expect(formatMetricValue('x', null)).toBe('—');
  });
});

describe('mergePoints', () => {
  it('sorts, de-duplicates by ts (live wins) and trims to the window', () => {
    const history = [[1000, 1], [3000, 3], [2000, 2], [4000, 4]];
    const live = [{ x: 4000, y: 40 }, { x: 5000, y: 5 }];
    expect(mergePoints(history, live, { windowMs: 3000 })).toEqual([
      { x: 2000, y: 2 },
      { x: 3000, y: 3 },
      { x: 4000, y: 40 },
      { x: 5000, y: 5 },
    ]);
  });

  it('drops invalid points and keeps the newest maxPoints', () => {
    const history = [[1, 1], [2, null], ['3', 3], [4, 4], [5, 5]];
    expect(mergePoints(history, [], { maxPoints: 2 })).toEqual([{ x: 4, y: 4 }, { x: 5, y: 5 }]);
    expect(mergePoints(null, undefined)).toEqual([]);
  });
});

describe('metrics frames', () => {
  it('seriesValues reads only what the frame has', () => {
    const values = Object.fromEntries(
      seriesValues({ cpu: { usage: 10, cores: [5, 15] }, load: { '1m': 1, '5m': 2 }, network: {} }),
    );
    expect(values).toEqual({ 'cpu.usage': 10, 'cpu.cores.0': 5, 'cpu.cores.1': 15, 'load.1m': 1, 'load.5m': 2 });
    expect(seriesValues({ type: 'metrics', ts: 1 })).toEqual([]);
  });

  it('swapUsage accepts the usual shapes and otherwise gives null', () => {
    expect(swapUsage({ swap_usage: 12 })).toBe(12);
    expect(swapUsage({ swap: { used: 1, total: 4 } })).toBe(25);
    expect(swapUsage({ swap_used: 2, swap_total: 8 })).toBe(25);
    expect(swapUsage({ swap_used: 2, swap_total: 0 })).toBeNull();
    expect(swapUsage({ used: 1 })).toBeNull();
    expect(swapUsage({ swap: { used: 0, total: 0 } })).toBeNull();
    expect(hasNoSwap({ swap_total: 0 })).toBe(true);
    expect(hasNoSwap({ swap: { total: 0 } })).toBe(true);
    expect(hasNoSwap({ swap: { total: 5 } })).toBe(false);
    expect(hasNoSwap({})).toBe(false);
  });

  it('names per-core history metrics', () => {
    expect(coreMetrics(3)).toEqual(['cpu.cores.0', 'cpu.cores.1', 'cpu.cores.2']);
    expect(coreMetrics(-1)).toEqual([]);
  });
});

describe('chart configuration', () => {

  it('withAlpha converts hex and leaves other notations', () => {
    expect(withAlpha('#ff0000', 0.5)).toBe('rgba(255, 0, 0, 0.5)');
    expect(withAlpha('rgb(1,2,3)', 0.5)).toBe('rgb(1,2,3)');
  });
});

describe('insights', () => {
  it('recognises cleared insights', () => {
    expect(isCleared({ active: false, level: 'info', message: 'cpu.usage alert' })).toBe(true);
    expect(isCleared({ active: true, level: 'warning', message: 'cpu.usage high' })).toBe(false);
    expect(isCleared({ cleared: true })).toBe(true);
    expect(isCleared({ message: 'CPU back to normal' })).toBe(true);
    expect(isCleared({ level: 'warning', message: 'CPU high' })).toBe(false);
  });

  it('activeAlerts keeps the latest per metric that is still raised', () => {
    const list = [
      { ts: 1, level: 'warning', metric: 'cpu.usage', message: 'CPU high' },
      { ts: 2, level: 'info', metric: 'cpu.usage', message: 'CPU cleared' },
      { ts: 3, level: 'critical', metric: 'disk.write_bps', message: 'anomaly' },
      { ts: 4, level: 'info', metric: 'load.1m', message: 'note' },
    ];
    expect(activeAlerts(list).map((a) => a.metric)).toEqual(['disk.write_bps']);
    expect(activeAlerts([...list, { ts: 5, level: 'critical', metric: 'cpu.usage', message: 'CPU very high' }]).length).toBe(2);
  });
});
