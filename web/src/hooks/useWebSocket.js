// useWebSocket: one PulseClient for the component's life, its state as React state, and the
// browser signals it needs (page visibility, online/offline).

import { useCallback, useEffect, useRef, useState } from 'react';
import { PulseClient, STATES } from '../lib/pulseClient.js';

/** ws(s)://host/ws of the page that serves the dashboard. */
export function defaultSocketUrl(loc = globalThis.location) {
  if (!loc) return 'ws://127.0.0.1:8080/ws';
  const proto = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${loc.host}/ws`;
}

const INITIAL = {
  state: STATES.CONNECTING,
  attempt: 0,
  nextRetryAt: null,
  rtt: null,
  welcome: null,
  user: null,
  queued: 0,
  lastClose: null,
};

/**
 * @param {string} url
 * @param {object} [options] PulseClient options plus:
 *   channels: the channels to be subscribed to (kept in sync; restored after reconnects);
 *   onMessage(msg), onError(err), onAuth(result), onOpen() — read through a ref, so they may
 *   change on every render without reconnecting;
 *   boot: {welcome} of a socket handed over already open (the initial state is then open).
 */
export function useWebSocket(url, options = {}) {
  // Handed an open socket whose welcome came (the first-paint script's): open from the start,
  // so the first render is not greyed as stale for a frame.
  const [status, setStatus] = useState(() =>
    options.boot?.welcome ? { ...INITIAL, state: STATES.OPEN, welcome: options.boot.welcome } : INITIAL,
  );
  const clientRef = useRef(null);
  const handlers = useRef(options);
  handlers.current = options;

  useEffect(() => {
    // eslint-disable-next-line no-unused-vars
    const { onMessage, onError, onAuth, onOpen, channels, boot, ...clientOpts } = handlers.current;
    const client = new PulseClient({
      ...clientOpts,
      url,
      getToken: clientOpts.getToken ? (...a) => handlers.current.getToken(...a) : undefined,
    });
    for (const c of channels || []) client.subscriptions.add(c);
    clientRef.current = client;
    let wasOpen = false;
    const offs = [
      client.on('state', (s) => {
        setStatus(s);
        const isOpen = s.state === STATES.OPEN;
        if (isOpen && !wasOpen) handlers.current.onOpen?.();
        wasOpen = isOpen;
      }),
      client.on('message', (m) => handlers.current.onMessage?.(m)),
      client.on('error', (e) => handlers.current.onError?.(e)),
      client.on('auth', (a) => handlers.current.onAuth?.(a)),
    ];

    const doc = globalThis.document;
    const onVisibility = () => client.setVisible(doc.visibilityState !== 'hidden');
    const onOnline = () => client.setNetworkAvailable(true);
    const onOffline = () => client.setNetworkAvailable(false);
    doc?.addEventListener('visibilitychange', onVisibility);
    globalThis.addEventListener?.('online', onOnline);
    globalThis.addEventListener?.('offline', onOffline);
    if (doc) client.visible = doc.visibilityState !== 'hidden';
    if (globalThis.navigator && globalThis.navigator.onLine === false) client.networkUp = false;

    client.start();
    return () => {
      offs.forEach((off) => off());
      doc?.removeEventListener('visibilitychange', onVisibility);
      globalThis.removeEventListener?.('online', onOnline);
      globalThis.removeEventListener?.('offline', onOffline);
      client.stop();
      if (clientRef.current === client) clientRef.current = null;
    };
  }, [url]);

  const channelsKey = (options.channels || []).join('\n');
  useEffect(() => {
    const client = clientRef.current;
    if (!client) return;
    const want = new Set(channelsKey ? channelsKey.split('\n') : []);
    for (const c of [...client.subscriptions]) if (!want.has(c)) client.unsubscribe(c);
    for (const c of want) client.subscribe(c);
  }, [channelsKey]);

  const send = useCallback((msg) => clientRef.current?.send(msg) ?? false, []);
  const request = useCallback(
    (msg, opts) => clientRef.current?.request(msg, opts) ?? Promise.reject(new Error('not connected')),
    [],
  );
  const subscribe = useCallback((channel) => clientRef.current?.subscribe(channel), []);
  const unsubscribe = useCallback((channel) => clientRef.current?.unsubscribe(channel), []);
  const ping = useCallback(
    () => clientRef.current?.ping() ?? Promise.reject(new Error('not connected')),
    [],
  );
  const reconnectNow = useCallback(() => clientRef.current?.reconnectNow(), []);

  return { status, send, request, subscribe, unsubscribe, ping, reconnectNow, clientRef };
}
