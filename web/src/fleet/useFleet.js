// useFleet: a small WebSocket of its own for the fleet view. It asks for `stats` every few
// seconds (stats.nodes lists the hosts) and subscribes to every host's `metrics` frames with
// {"type":"subscribe","channel":"metrics","host":NAME}, keeping the latest frame per host.
// It reconnects with capped backoff and subscribes again. Alone (one node), it stays idle.
// With auth on (the welcome says auth_required) it signs in with the dashboard's stored token
// first, since `stats` needs the admin role.

import { useEffect, useRef, useState } from 'react';
import { readToken } from '../lib/authToken.js';

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
 * @param {Function} [opts.getToken] returns the signed-in token or null (default: sessionStorage)
 * @returns {{stats: object|null, frames: object}}
 */
export function useFleet({ WebSocketImpl = globalThis.WebSocket, url, enabled = true, getToken = readToken } = {}) {
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
      };
      // The welcome comes first; messages are handled in order, so `stats` sent right after
      // `auth` is already checked against the signed-in roles.
      const onWelcome = (w) => {
        const token = w.auth_required ? getToken() : null;
        if (token) send({ type: 'auth', id: 'fleet-auth', token });
        send({ type: 'stats', id: 'fleet-stats' });
        clearInterval(timer);
        timer = setInterval(() => send({ type: 'stats', id: 'fleet-stats' }), STATS_MS);
      };
      ws.onmessage = (ev) => {
        let m;
        try {
          m = JSON.parse(ev.data);
        } catch {
          return;
        }
        if (m?.type === 'welcome') onWelcome(m);
        else if (m?.type === 'stats' && Array.isArray(m.nodes)) onStats(m);
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
  }, [WebSocketImpl, url, enabled, getToken]);

  return { stats, frames };
}
