import { describe, expect, it } from 'vitest';
import { formatView, panRange, parseView, zoomRange } from './viewState.js';
import { chartKeyAction } from './chartKeys.js';
import { GROUPS, RANGES } from '../services/dashboardService.js';

const opts = { ranges: RANGES, groups: GROUPS, now: Date.UTC(2026, 11, 5, 12), maxSeconds: 604800 };

describe('the view in the URL', () => {
  it('reads range, groups and theme, ignoring what is not valid', () => {
    const v = parseView('?range=24h&groups=cpu,disk&theme=dark', opts);
    expect(v.range).toBe('24h');
    expect(v.groups.cpu).toBe(true);
    expect(v.groups.memory).toBe(false);
    expect(v.theme).toBe('dark');
    const bad = parseView('?range=3y&theme=purple', opts);
    expect(bad.range).toBe('5m');
    expect(bad.theme).toBeNull();
    expect(bad.groups).toBeNull();
  });

  it('reads an absolute range, within the history that exists', () => {
    const v = parseView('?from=2026-12-05T08:00:00.000Z&to=2026-12-05T09:30:00.000Z', opts);
    expect(v.range).toBe('custom');
    expect(v.to - v.from).toBe(90 * 60000);
    expect(parseView('?from=2026-12-05T10:00:00Z&to=2026-12-05T09:00:00Z', opts).range).toBe('5m');
    expect(parseView('?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z', opts).range).toBe('5m');
  });

  it('writes only what differs from the defaults, and reads back the same', () => {
    const all = Object.fromEntries(GROUPS.map((g) => [g.id, true]));
    expect(formatView({ range: '1h', groups: all, theme: 'system' }, { allGroups: GROUPS })).toBe('?range=1h');
    const q = formatView({ range: '7d', groups: { ...all, load: false }, theme: 'light' }, { allGroups: GROUPS });
    expect(q).toBe('?range=7d&groups=cpu,memory,network,disk,system&theme=light');
    const back = parseView(q, opts);
    expect(back.range).toBe('7d');
    expect(back.groups.load).toBe(false);
    const from = Date.UTC(2026, 11, 5, 8);
    const c = formatView({ range: 'custom', from, to: from + 3600000, groups: all }, { allGroups: GROUPS });
    expect(parseView(c, opts)).toMatchObject({ range: 'custom', from, to: from + 3600000 });
  });
});

describe('keyboard zoom and pan', () => {
  it('pans by a quarter, zooms by two around the centre', () => {
    expect(panRange({ min: 0, max: 100 }, -0.25)).toEqual({ min: -25, max: 75 });
    expect(panRange({ min: 0, max: 100 }, 0.25, 110)).toEqual({ min: 10, max: 110 });
    expect(zoomRange({ min: 0, max: 100000 }, 0.5)).toEqual({ min: 25000, max: 75000 });
    expect(zoomRange({ min: 0, max: 6000 }, 0.5, 5000)).toEqual({ min: 500, max: 5500 });
    expect(chartKeyAction('Escape', { min: 0, max: 1 })).toEqual({ live: true });
    expect(chartKeyAction('a', { min: 0, max: 1 })).toBeNull();
  });
});
