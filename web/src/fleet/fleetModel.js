// Fleet model: pure helpers that turn `stats.nodes` and the latest metrics frame of each host
// into the fleet overview's tiles, decide which hosts are stale, and build history URLs.

/** A host is stale when it has not been seen for this long (ms): three missed heartbeats. */
export const STALE_MS = 10_000;

/** Node names from a stats reply, this node first, then by name. */
export function hostsOf(stats) {
  const nodes = Array.isArray(stats?.nodes) ? stats.nodes : [];
  const self = stats?.node;
  return nodes
    .map((n) => n?.name)
    .filter((n) => typeof n === 'string' && n)
    .sort((a, b) => (a === self ? -1 : b === self ? 1 : a.localeCompare(b)));
}

/** Whether a host seen last at `lastSeen` (ms) is stale at `now`. */
export function isStale(lastSeen, now, staleMs = STALE_MS) {
  return typeof lastSeen !== 'number' || now - lastSeen > staleMs;
}

function num(v) {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * One tile per host: {host, self, lastSeen, stale, cpu, memory, rx, tx, load}, values null when
 * unknown. `frames` maps host → its latest whole metrics frame.
 */
export function tilesFrom(stats, frames, now, staleMs = STALE_MS) {
  const seen = new Map((stats?.nodes ?? []).map((n) => [n.name, n.last_seen]));
  return hostsOf(stats).map((host) => {
    const f = frames?.[host];
    const frameTs = num(f?.ts);
    const lastSeen = Math.max(num(seen.get(host)) ?? 0, frameTs ?? 0) || null;
    return {
      host,
      self: host === stats?.node,
      lastSeen,
      stale: isStale(lastSeen, now, staleMs),
      cpu: num(f?.cpu?.usage),
      memory: num(f?.memory?.usage),
      rx: num(f?.network?.rx_bps),
      tx: num(f?.network?.tx_bps),
      load: num(f?.load?.['1m']),
    };
  });
}

/** The /api/history URL of one metric of a host. */
export function historyUrl(host, metric, seconds) {
  const q = new URLSearchParams({ metric, seconds: String(seconds), host });
  return `/api/history?${q}`;
}

/** "3 s ago", "2 min ago", "1 h ago" from a timestamp, or "never". */
export function agoText(ts, now) {
  if (typeof ts !== 'number') return 'never';
  const s = Math.max(0, Math.round((now - ts) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}
