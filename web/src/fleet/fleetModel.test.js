import { describe, expect, it } from 'vitest';
import { agoText, historyUrl, hostsOf, isStale, tilesFrom } from './fleetModel.js';

const stats = {
  node: 'web2',
  nodes: [
    { name: 'web1', last_seen: 1000 },
    { name: 'web2', last_seen: 20000 },
    { name: 'db', last_seen: 19000 },
  ],
};

describe('fleetModel', () => {
  it('lists this node first, then by name', () => {
    expect(hostsOf(stats)).toEqual(['web2', 'db', 'web1']);
    expect(hostsOf(null)).toEqual([]);
    expect(hostsOf({ nodes: [{ name: '' }, {}, { name: 'a' }] })).toEqual(['a']);
  });

  it('marks hosts not seen for ten seconds as stale', () => {
    expect(isStale(10_000, 20_000)).toBe(false);
    expect(isStale(9_999, 20_000)).toBe(true);
    expect(isStale(undefined, 1)).toBe(true);
  });

  it('builds one tile per host from its latest frame', () => {
    const frames = {
      db: { ts: 19500, cpu: { usage: 12.5 }, memory: { usage: 40 }, network: { rx_bps: 10, tx_bps: 20 }, load: { '1m': 0.5 } },
    };
    const tiles = tilesFrom(stats, frames, 21_000);
    expect(tiles.map((t) => t.host)).toEqual(['web2', 'db', 'web1']);
    const db = tiles[1];
    expect(db).toMatchObject({ cpu: 12.5, memory: 40, rx: 10, tx: 20, load: 0.5, stale: false, lastSeen: 19500 });
    expect(tiles[0].self).toBe(true);
    expect(tiles[2]).toMatchObject({ stale: true, cpu: null, load: null });
  });

  it('builds history URLs and relative times', () => {
    expect(historyUrl('web 1', 'cpu.usage', 900)).toBe('/api/history?metric=cpu.usage&seconds=900&host=web+1');
    expect(agoText(1000, 4000)).toBe('3 s ago');
    expect(agoText(0, 180_000)).toBe('3 min ago');
    expect(agoText(null, 1)).toBe('never');
  });
});
