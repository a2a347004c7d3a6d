import { describe, expect, it } from 'vitest';
import { byteTicks, formatByteTick, formatTimeTick, niceByteStep, niceTimeStep, timeTicks } from './ticks.js';

const MiB = 1024 ** 2;

describe('byte ticks', () => {
  it('steps by 1, 2 or 5 × a power of ten in one binary unit, never 95 or 191 MiB', () => {
    expect(niceByteStep(381 * MiB, 5)).toBe(100 * MiB);
    expect(niceByteStep(900, 5)).toBe(500);
    expect(niceByteStep(3 * 1024, 5)).toBe(1024);
    expect(niceByteStep(0, 5)).toBe(500); // idle: a 1 KiB scale
    for (const max of [1, 777, 5e5, 3.3e7, 9.9e9, 4.4e12]) {
      const { step, ticks, max: top } = byteTicks(max, 5);
      expect(ticks.length).toBeLessThanOrEqual(5);
      expect(top).toBeGreaterThanOrEqual(max);
      const unit = 1024 ** Math.floor(Math.log(step) / Math.log(1024));
      expect([1, 2, 5, 10, 20, 50, 100, 200, 500]).toContain(step / unit);
    }
  });

  it('labels in the step unit with no needless decimals', () => {
    expect(formatByteTick(200 * MiB, 100 * MiB)).toBe('200 MiB');
    expect(formatByteTick(1536, 512)).toBe('1536 B');
    expect(formatByteTick(2 * 1024 ** 3, 1024 ** 3)).toBe('2 GiB');
  });
});

describe('time ticks', () => {
  it('picks clock steps', () => {
    expect(niceTimeStep(300000, 6)).toBe(60000);
    expect(niceTimeStep(3600000, 6)).toBe(600000);
    expect(niceTimeStep(86400000, 6)).toBe(6 * 3600000);
    expect(niceTimeStep(7 * 86400000, 8)).toBe(86400000);
  });

  it('falls on round local times (10:20, 10:30 …), not 07:53', () => {
    const min = new Date(2026, 11, 5, 10, 13, 27).getTime();
    const { ticks } = timeTicks(min, min + 3600000, 6);
    for (const t of ticks) {
      const d = new Date(t);
      expect(d.getMinutes() % 10).toBe(0);
      expect(d.getSeconds()).toBe(0);
    }
  });

  it('day steps fall on local midnight and show dates', () => {
    const min = new Date(2026, 11, 1, 9, 0).getTime();
    const { ticks, step } = timeTicks(min, min + 7 * 86400000, 8);
    expect(step).toBe(86400000);
    for (const t of ticks) expect(new Date(t).getHours()).toBe(0);
    expect(formatTimeTick(ticks[0], step, null)).toBe('2 Dec');
  });

  it('shows the date on the first tick of multi-hour ranges and on each new day', () => {
    const a = new Date(2026, 11, 5, 18, 0).getTime();
    const b = new Date(2026, 11, 6, 0, 0).getTime();
    expect(formatTimeTick(a, 6 * 3600000, null)).toEqual(['18:00', '5 Dec']);
    expect(formatTimeTick(b, 6 * 3600000, a)).toEqual(['00:00', '6 Dec']);
    expect(formatTimeTick(a + 10000, 10000, a)).toBe('18:00:10');
  });
});
