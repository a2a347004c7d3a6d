// FleetPanel: in cluster mode (more than one node), a host selector and the fleet overview —
// one tile per host with CPU, memory, network, load and when it was last seen, stale hosts
// marked — from which a click opens that host's charts and history. Alone, it renders nothing.

import { Suspense, lazy, useEffect, useState } from 'react';
import { formatBytes, formatLoad, formatPercent } from '../services/dashboardService.js';
import { agoText, hostsOf, tilesFrom } from './fleetModel.js';
import { useFleet } from './useFleet.js';
import './fleet.css';

// Chart.js comes with the host charts, loaded when a host is opened (as the dashboard's own
// charts are): the page's first bundle stays without it.
const HostCharts = lazy(() => import('./HostCharts.jsx').then((m) => ({ default: m.HostCharts })));

const dash = (v, f) => (v == null ? '—' : f(v));

/** The current time, re-read every second (for "seen … ago" and staleness). */
function useClock() {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}

export function FleetTile({ tile, selected, onSelect, now }) {
  return (
    <button
      type="button"
      className={`fleet-tile${tile.stale ? ' stale' : ''}${selected ? ' selected' : ''}`}
      aria-pressed={selected}
      onClick={() => onSelect(tile.host)}
    >
      <span className="fleet-tile-name">
        {tile.host}
        {tile.self && <span className="fleet-badge">this node</span>}
        {tile.stale && <span className="fleet-badge stale">stale</span>}
      </span>
      <span>CPU {dash(tile.cpu, formatPercent)}</span>
      <span>Memory {dash(tile.memory, formatPercent)}</span>
      <span>
        Net {dash(tile.rx, (v) => `${formatBytes(v)}/s`)} in · {dash(tile.tx, (v) => `${formatBytes(v)}/s`)} out
      </span>
      <span>Load {dash(tile.load, formatLoad)}</span>
      <span className="fleet-seen">seen {agoText(tile.lastSeen, now)}</span>
    </button>
  );
}

/**
 * @param {object} props
 * @param {object} [props.fleet] {stats, frames} (tests); else useFleet's own socket
 * @param {Function} [props.WebSocketImpl]
 * @param {Function} [props.fetchImpl]
 */
export function FleetPanel({ fleet, WebSocketImpl, fetchImpl }) {
  const live = useFleet({ WebSocketImpl, enabled: !fleet && import.meta.env?.MODE !== 'test' });
  const { stats, frames } = fleet ?? live;
  const now = useClock();
  const [selected, setSelected] = useState(null);
  const hosts = hostsOf(stats);
  if (hosts.length < 2) return null;
  const tiles = tilesFrom(stats, frames, now);
  return (
    <section className="fleet-panel" aria-label="fleet">
      <header className="fleet-head">
        <h2>Fleet · {hosts.length} hosts</h2>
        <label>
          Host{' '}
          <select value={selected ?? ''} onChange={(e) => setSelected(e.target.value || null)}>
            <option value="">overview</option>
            {hosts.map((h) => (
              <option key={h} value={h}>
                {h}
              </option>
            ))}
          </select>
        </label>
      </header>
      <div className="fleet-tiles">
        {tiles.map((t) => (
          <FleetTile key={t.host} tile={t} now={now} selected={t.host === selected} onSelect={setSelected} />
        ))}
      </div>
      {selected && (
        <Suspense fallback={<p className="fleet-loading">Loading the charts of {selected}…</p>}>
          <HostCharts host={selected} frame={frames?.[selected]} fetchImpl={fetchImpl} />
        </Suspense>
      )}
    </section>
  );
}
