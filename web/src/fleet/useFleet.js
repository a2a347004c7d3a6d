// useFleet: a small WebSocket of its own for the fleet view. It asks for `stats` every few
// seconds (stats.nodes lists the hosts) and subscribes to every host's `metrics` frames with
// {"type":"subscribe","channel":"metrics","host":NAME}, keeping the latest frame per host.
// It reconnects with capped backoff and subscribes again. Alone (one node), it stays idle.

import { useEffect, useRef, useState } from 'react';

const STATS_MS = 3000;

export function fleetSocketUrl(loc = globalThis.location) {
  if (!loc) return 'ws://127.0.0.1:8080/ws';
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/ws`;
}

/**
 * @param {object} [opts]
 * @param {Function} [opts.WebSocketImpl] the WebSocket class (tests give a fake)
 * @param {string} [opts.url]
 * @param {boolean} [opts.enabled]
 * @returns {{stats: object|null, frames: object}}
 */
export function useFleet({ WebSocketImpl = globalThis.WebSocket, url, enabled = true } = {}) {
  const [stats, setStats] = useState(null);
  const [frames, setFrames] = useState({});
  const subscribed = useRef(new Set());

  useEffect(() => {
    if (!enabled || !WebSocketImpl) return undefined;
    let ws = null;
    let timer = null;
    let retry = null;
    let backoff = 1000;
    let closed = false;
    const send = (m) => ws?.readyState === 1 && ws.send(JSON.stringify(m));
    const onStats = (s) => {
      setStats(s);
      for (const n of s.nodes ?? []) {
        if (!n?.name || subscribed.current.has(n.name)) continue;
        subscribed.current.add(n.name);
        send({ type: 'subscribe', channel: 'metrics', host: n.name });
      }
    };
    const connect = () => {
      ws = new WebSocketImpl(url ?? fleetSocketUrl());
      ws.onopen = () => {
        backoff = 1000;
        subscribed.current = new Set();
        send({ type: 'stats', id: 'fleet-stats' });
        timer = setInterval(() => send({ type: 'stats', id: 'fleet-stats' }), STATS_MS);
      };
      ws.onmessage = (ev) => {
        let m;
        try {
          m = JSON.parse(ev.data);
        } catch {
          return;
        }
        if (m?.type === 'stats' && Array.isArray(m.nodes)) onStats(m);
        else if (m?.type === 'metrics' && typeof m.host === 'string')
          setFrames((f) => ({ ...f, [m.host]: m }));
      };
      ws.onclose = () => {
        clearInterval(timer);
        if (closed) return;
        retry = setTimeout(connect, backoff);
        backoff = Math.min(backoff * 2, 15000);
      };
    };
    connect();
    return () => {
      closed = true;
      clearInterval(timer);
      clearTimeout(retry);
      ws?.close(1000);
    };
  }, [WebSocketImpl, url, enabled]);

  return { stats, frames };
}
