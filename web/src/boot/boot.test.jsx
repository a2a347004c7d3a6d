import { afterEach, describe, expect, it, vi } from 'vitest';
import { render } from '@testing-library/react';
import { BOOT_ID, GIVE_UP_MS, INLINE_ID, PAINT_WAIT_MS, boot, inlineSnapshot } from './boot.js';
import { MetricCards } from '../components/MetricCards.jsx';
import { adoptBootSocket, earlySocketClass } from '../lib/earlySocket.js';
import { PulseClient } from '../lib/pulseClient.js';
import { createFakeWebSocket } from '../test/fakeWebSocket.js';

const SNAPSHOT = {
  type: 'snapshot',
  id: BOOT_ID,
  metrics: {
    ts: 1700000000123,
    rates: true,
    cpu: { usage: 12.34, cores: [10, 14.7] },
    memory: { usage: 41.5, used: 3.2e9, total: 8e9, available: 4.8e9, swap_total: 0, swap_used: 0 },
    network: { rx_bps: 735000, tx_bps: 12000, interfaces: { eth0: {}, lo: {} } },
    disk: { read_bps: 0, write_bps: 1.5e6 },
    load: { '1m': 0.52, '5m': 0.61, '15m': 0.7 },
    system: { uptime_s: 93784, processes: 312 },
  },
  analytics: { 'cpu.usage': { min: 1, max: 40, avg: 9.7, p95: 30.2, trend: 0.4 } },
  insights: [],
  server: { connections: 1, uptime_s: 60 },
};

function fakeWindow() {
  const fake = createFakeWebSocket();
  const marks = [];
  const win = {
    location: { protocol: 'http:', host: '127.0.0.1:8080', search: '' },
    localStorage: globalThis.localStorage,
    matchMedia: () => ({ matches: false }),
    document,
    WebSocket: fake.FakeWebSocket,
    setTimeout: (...a) => setTimeout(...a),
    clearTimeout: (t) => clearTimeout(t),
    requestAnimationFrame: (cb) => cb(),
    performance: { mark: (name) => marks.push(name) },
  };
  return { win, fake, marks };
}

function withRoot() {
  const root = document.createElement('div');
  root.id = 'root';
  document.body.append(root);
  return root;
}

/** Puts `text` in the page as the daemon's inlined snapshot element (INLINE_ID). */
function inlineInPage(text) {
  const el = document.createElement('script');
  el.type = 'application/json';
  el.id = INLINE_ID;
  el.textContent = text;
  document.body.append(el);
  return el;
}

/** SNAPSHOT as the daemon inlines it (no request id), put in the page; returns it. */
function inlineSnapshotInPage() {
  const { id, ...inlined } = SNAPSHOT;
  expect(id).toBe(BOOT_ID);
  inlineInPage(JSON.stringify(inlined));
  return inlined;
}

afterEach(() => {
  document.body.replaceChildren();
  vi.useRealTimers();
});

describe('boot (the first-paint script)', () => {
  it('asks for a snapshot on the welcome, paints it and marks pulse:first-metric', () => {
    const root = withRoot();
    const { win, fake, marks } = fakeWindow();
    const state = boot(win);
    expect(win.__pulseBoot).toBe(state);
    const ws = fake.last();
    expect(ws.url).toBe('ws://127.0.0.1:8080/ws');
    ws.serverWelcome();
    expect(ws.sent).toEqual([{ type: 'snapshot', id: BOOT_ID }]);
    const done = vi.fn();
    state.whenDone(done);
    vi.useFakeTimers();
    ws.serverSend(SNAPSHOT);
    // Without Element Timing (as here, and in Firefox and Safari) done comes after the frame.
    expect(done).not.toHaveBeenCalled();
    vi.advanceTimersByTime(0);
    expect(done).toHaveBeenCalledTimes(1);
    expect(state.snapshot.metrics.cpu.usage).toBe(12.34);
    expect(marks).toEqual(['pulse:boot', 'pulse:first-metric']);
    expect(root.querySelector('[data-testid="value-cpu"]').textContent).toBe('12.3%');
    expect(root.querySelector('.brand-sub').textContent).toBe('pulse/test');
    // The open and the welcome are held for the app; the boot's own reply is not.
    expect(state.held.map(([type]) => type)).toEqual(['open', 'message']);
  });

  it('paints the same card markup as React (MetricCards / ValueCard)', () => {
    const root = withRoot();
    const { win, fake } = fakeWindow();
    boot(win);
    fake.last().serverWelcome();
    fake.last().serverSend(SNAPSHOT);
    const ts = SNAPSHOT.metrics.ts;
    const groups = ['cpu', 'memory', 'network', 'disk', 'load', 'system'];
    const react = render(
      <MetricCards
        latest={SNAPSHOT.metrics}
        lastTs={Object.fromEntries(groups.map((g) => [g, ts]))}
        enabled={Object.fromEntries(groups.map((g) => [g, true]))}
        analytics={SNAPSHOT.analytics}
      />,
    ).container;
    const bootCards = [...root.querySelectorAll('.value-card')];
    const reactCards = [...react.querySelectorAll('.value-card')];
    expect(bootCards).toHaveLength(6);
    expect(bootCards.map((c) => c.dataset.testid)).toEqual(reactCards.map((c) => c.dataset.testid));
    bootCards.forEach((card, i) => {
      const other = reactCards[i];
      expect(card.className).toBe(other.className);
      expect(card.getAttribute('aria-label')).toBe(other.getAttribute('aria-label'));
      expect(card.dataset.ts).toBe(other.dataset.ts);
      expect(card.style.getPropertyValue('--accent')).toBe(other.style.getPropertyValue('--accent'));
      expect(card.innerHTML).toBe(other.innerHTML);
    });
  });

  it('leaves a server with auth to the app: no request, done at the welcome', () => {
    withRoot();
    const { win, fake, marks } = fakeWindow();
    const state = boot(win);
    fake.last().serverWelcome({ auth_required: true });
    expect(fake.last().sent).toEqual([]);
    expect(state.done).toBe(true);
    expect(marks).toEqual(['pulse:boot']);
    expect(state.held.map(([type]) => type)).toEqual(['open', 'message']);
  });

  it('gives up after GIVE_UP_MS without a snapshot, and on a close', () => {
    vi.useFakeTimers();
    withRoot();
    const slow = fakeWindow();
    const state = boot(slow.win);
    slow.fake.last().serverWelcome();
    vi.advanceTimersByTime(GIVE_UP_MS);
    expect(state.done).toBe(true);
    expect(state.snapshot).toBeNull();

    const closed = fakeWindow();
    const other = boot(closed.win);
    closed.fake.last().serverClose(1006);
    expect(other.done).toBe(true);
    expect(other.held.map(([type]) => type)).toEqual(['close']);
  });

  it('an error reply or a snapshot without metrics paints nothing', () => {
    const root = withRoot();
    const { win, fake, marks } = fakeWindow();
    const state = boot(win);
    fake.last().serverWelcome();
    fake.last().serverSend({ type: 'error', id: BOOT_ID, code: 'rate_limited', message: 'slow down' });
    expect(state.done).toBe(true);
    expect(root.children).toHaveLength(0);
    expect(marks).toEqual(['pulse:boot']);
  });

  it('the client adopts its socket: no second connection, the welcome replayed, the reply not', async () => {
    withRoot();
    const { win, fake } = fakeWindow();
    const state = boot(win);
    const ws = fake.last();
    ws.serverWelcome();
    ws.serverSend(SNAPSHOT);
    const early = adoptBootSocket(state, fake.FakeWebSocket);
    const client = new PulseClient({ url: state.url, WebSocket: earlySocketClass(early), random: () => 0, pingIntervalMs: 0 });
    const seen = [];
    client.on('message', (m) => seen.push(m.type));
    client.subscriptions.add('metrics.cpu');
    client.start();
    await Promise.resolve();
    await Promise.resolve();
    expect(fake.sockets).toHaveLength(1);
    expect(client.state).toBe('open');
    expect(ws.sentOfType('subscribe').map((m) => m.channel)).toEqual(['metrics.cpu']);
    ws.serverSend({ type: 'metrics', ts: 1, cpu: { usage: 1 } });
    expect(seen).toEqual(['metrics']);
    client.stop();
  });
  it('with Element Timing, says done when a card value is reported painted, or after PAINT_WAIT_MS', () => {
    vi.useFakeTimers();
    withRoot();
    const observers = [];
    class FakeObserver {
      static supportedEntryTypes = ['element', 'paint'];
      constructor(cb) {
        this.cb = cb;
        this.disconnected = false;
        observers.push(this);
      }
      observe(opts) {
        this.opts = opts;
      }
      disconnect() {
        this.disconnected = true;
      }
    }
    const { win, fake } = fakeWindow();
    win.PerformanceObserver = FakeObserver;
    const state = boot(win);
    fake.last().serverWelcome();
    fake.last().serverSend(SNAPSHOT);
    expect(state.done).toBe(false);
    expect(observers[0].opts).toEqual({ type: 'element', buffered: true });
    observers[0].cb({ getEntries: () => [{ identifier: 'something-else' }] });
    expect(state.done).toBe(false);
    observers[0].cb({ getEntries: () => [{ identifier: 'pulse-value', renderTime: 120 }] });
    expect(state.done).toBe(true);
    expect(observers[0].disconnected).toBe(true);

    const other = fakeWindow();
    other.win.PerformanceObserver = FakeObserver;
    const late = boot(other.win);
    other.fake.last().serverWelcome();
    other.fake.last().serverSend(SNAPSHOT);
    vi.advanceTimersByTime(PAINT_WAIT_MS - 1);
    expect(late.done).toBe(false);
    vi.advanceTimersByTime(1);
    expect(late.done).toBe(true);
  });

  it('paints a snapshot inlined in the page without asking the socket for one', () => {
    vi.useFakeTimers();
    const root = withRoot();
    const inlined = inlineSnapshotInPage();
    const { win, fake, marks } = fakeWindow();
    const state = boot(win); // the document is parsed: painted at once
    expect(root.querySelector('[data-testid="value-cpu"]').textContent).toBe('12.3%');
    expect(marks).toEqual(['pulse:boot', 'pulse:first-metric']);
    expect(state.snapshot).toEqual(inlined);
    fake.last().serverWelcome();
    expect(fake.last().sent).toEqual([], 'no snapshot request: the page had it');
    vi.advanceTimersByTime(0);
    expect(state.done).toBe(true);
    expect(state.held.map(([type]) => type)).toEqual(['open', 'message']);
  });

  it('paints the inlined snapshot even when the socket fails first: at DOMContentLoaded, or with no socket at all', () => {
    vi.useFakeTimers();
    const root = withRoot();
    const inlined = inlineSnapshotInPage();

    // Still parsing: the paint waits for DOMContentLoaded; the socket closes before it.
    const { win, fake } = fakeWindow();
    const listeners = {};
    win.document = new Proxy(document, {
      get(target, key) {
        if (key === 'readyState') return 'loading';
        if (key === 'addEventListener') return (type, cb) => (listeners[type] = cb);
        const v = Reflect.get(target, key);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const state = boot(win);
    fake.last().serverClose(1006);
    expect(state.done).toBe(false);
    expect(root.children).toHaveLength(0);
    listeners.DOMContentLoaded();
    expect(root.querySelector('[data-testid="value-cpu"]').textContent).toBe('12.3%');
    vi.advanceTimersByTime(0);
    expect(state.done).toBe(true);
    expect(state.snapshot).toEqual(inlined);

    // No WebSocket at all (the constructor throws): the page's values are still painted.
    root.replaceChildren();
    const other = fakeWindow();
    other.win.WebSocket = function Broken() {
      throw new Error('blocked');
    };
    const lone = boot(other.win);
    expect(lone.ws).toBeNull();
    expect(root.querySelector('[data-testid="value-cpu"]').textContent).toBe('12.3%');
    vi.advanceTimersByTime(0);
    expect(lone.done).toBe(true);
  });

  it('ignores inlined data that is not a snapshot', () => {
    for (const text of ['', 'not json', '{"type":"error"}', '{"type":"snapshot"}', '{"type":"snapshot","metrics":3}']) {
      document.body.replaceChildren();
      inlineInPage(text);
      expect(inlineSnapshot(document)).toBeNull();
    }
    document.body.replaceChildren();
    expect(inlineSnapshot(document)).toBeNull();
  });
});
