import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PulseClient, STATES, backoffDelay } from './pulseClient.js';
import { createFakeWebSocket } from '../test/fakeWebSocket.js';

let fake;
let random;

function makeClient(opts = {}) {
  const client = new PulseClient({
    url: 'ws://test/ws',
    WebSocket: fake.FakeWebSocket,
    random: () => random,
    pingIntervalMs: 0,
    ...opts,
  });
  const states = [];
  client.on('state', (s) => states.push(s));
  return { client, states };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2025-01-01T00:00:00Z'));
  fake = createFakeWebSocket();
  random = 0.5;
});

afterEach(() => {
  vi.useRealTimers();
});

describe('backoffDelay', () => {
  it('grows exponentially from the base and is capped', () => {
    const max = (a) => backoffDelay(a, { baseMs: 500, capMs: 30000, random: () => 0.999999 });
    expect(max(1)).toBe(499);
    expect(max(2)).toBe(999);
    expect(max(3)).toBe(1999);
    expect(max(7)).toBe(29999);
    expect(max(30)).toBe(29999);
  });

  it('uses full jitter: anywhere from 0 to the ceiling', () => {
    expect(backoffDelay(4, { random: () => 0 })).toBe(0);
    expect(backoffDelay(4, { random: () => 0.25 })).toBe(1000);
  });
});

describe('PulseClient connection states', () => {
  it('connects, becomes open on welcome and records it', () => {
    const { client, states } = makeClient();
    client.start();
    expect(client.state).toBe(STATES.CONNECTING);
    fake.last().serverWelcome();
    expect(client.state).toBe(STATES.OPEN);
    expect(client.welcome.server).toBe('pulse/test');
    expect(states.map((s) => s.state)).toEqual(['connecting', 'open']);
  });

  it('becomes ready without a welcome after a grace period', () => {
    const { client } = makeClient({ welcomeTimeoutMs: 1000 });
    client.start();
    fake.last().serverOpen();
    expect(client.state).toBe(STATES.CONNECTING);
    vi.advanceTimersByTime(1000);
    expect(client.state).toBe(STATES.OPEN);
  });

  it('reconnects with exponential backoff within the jitter bounds', () => {
    random = 0.999;
    const { client } = makeClient();
    client.start();
    fake.last().serverWelcome();
    const bounds = [500, 1000, 1500, 1500, 1500]; // capped at 1.5 s by default
    for (let i = 0; i < bounds.length; i += 1) {
      const before = fake.sockets.length;
      fake.last().serverClose(1006);
      expect(client.state).toBe(STATES.RECONNECTING);
      expect(client.attempt).toBe(i + 1);
      const delay = client.nextRetryAt - Date.now();
      expect(delay).toBeLessThan(bounds[i]);
      expect(delay).toBeGreaterThanOrEqual(Math.floor(bounds[i] * 0.99));
      vi.advanceTimersByTime(delay - 1);
      expect(fake.sockets.length).toBe(before);
      vi.advanceTimersByTime(1);
      expect(fake.sockets.length).toBe(before + 1);
      expect(client.state).toBe(STATES.RECONNECTING); // until the new socket is ready
    }
  });

  it('tries at once when the tab becomes visible while waiting to retry', () => {
    const { client } = makeClient();
    client.start();
    fake.last().serverWelcome();
    client.setVisible(false);
    fake.last().serverClose(1006);
    const before = fake.sockets.length;
    expect(client.state).toBe(STATES.RECONNECTING);
    client.setVisible(true);
    expect(fake.sockets.length).toBe(before + 1);
  });

  it('says what happened in plain words, without close codes', () => {
    const { client } = makeClient();
    const errors = [];
    client.on('error', (e) => errors.push(e.message));
    client.start();
    fake.last().serverWelcome();
    fake.last().serverClose(1006);
    expect(errors[0]).toMatch(/Lost the connection to the Pulse server/);
    expect(errors[0]).not.toMatch(/1006/);
  });

  it('resets the attempt count once a connection is ready again', () => {
    const { client } = makeClient();
    client.start();
    fake.last().serverClose();
    vi.runOnlyPendingTimers();
    fake.last().serverClose();
    expect(client.attempt).toBe(2);
    vi.runOnlyPendingTimers();
    fake.last().serverWelcome();
    expect(client.state).toBe(STATES.OPEN);
    expect(client.attempt).toBe(0);
  });

  it('stop() goes offline and does not reconnect', () => {
    const { client } = makeClient();
    client.start();
    fake.last().serverWelcome();
    client.stop();
    expect(client.state).toBe(STATES.OFFLINE);
    vi.advanceTimersByTime(120000);
    expect(fake.sockets.length).toBe(1);
  });

  it('goes offline when the network is gone and reconnects when it is back', () => {
    const { client } = makeClient();
    client.start();
    fake.last().serverWelcome();
    client.setNetworkAvailable(false);
    fake.last().serverClose(1006);
    expect(client.state).toBe(STATES.OFFLINE);
    vi.advanceTimersByTime(60000);
    expect(fake.sockets.length).toBe(1);
    client.setNetworkAvailable(true);
    expect(fake.sockets.length).toBe(2);
    expect(client.state).toBe(STATES.RECONNECTING);
  });

  it('goes offline after maxAttempts', () => {
    const { client } = makeClient({ maxAttempts: 2 });
    client.start();
    fake.last().serverClose();
    vi.runOnlyPendingTimers();
    fake.last().serverClose();
    vi.runOnlyPendingTimers();
    fake.last().serverClose();
    expect(client.state).toBe(STATES.OFFLINE);
  });
});

describe('PulseClient subscriptions and queue', () => {
  it('subscribes when ready and again after a reconnect', () => {
    const { client } = makeClient();
    client.subscribe('metrics.cpu');
    client.start();
    client.subscribe('insights');
    fake.last().serverWelcome();
    expect(fake.last().sentOfType('subscribe').map((m) => m.channel)).toEqual(['metrics.cpu', 'insights']);

    client.subscribe('metrics.disk');
    client.unsubscribe('metrics.cpu');
    expect(fake.last().sentOfType('unsubscribe').map((m) => m.channel)).toEqual(['metrics.cpu']);

    fake.last().serverClose();
    vi.runOnlyPendingTimers();
    fake.last().serverWelcome();
    expect(fake.last().sentOfType('subscribe').map((m) => m.channel).sort()).toEqual(['insights', 'metrics.disk']);
  });

  it('queues while disconnected, bounded, oldest dropped, flushed in order on open', () => {
    const { client } = makeClient({ queueLimit: 3 });
    const dropped = [];
    client.on('drop', (m) => dropped.push(m.n));
    client.start();
    for (let n = 1; n <= 5; n += 1) expect(client.send({ type: 'publish', n })).toBe(false);
    expect(client.queue.length).toBe(3);
    expect(dropped).toEqual([1, 2]);
    fake.last().serverWelcome();
    expect(fake.last().sentOfType('publish').map((m) => m.n)).toEqual([3, 4, 5]);
    expect(client.queue.length).toBe(0);
    expect(client.send({ type: 'publish', n: 6 })).toBe(true);
  });

  it('rejects a request that was dropped from the queue', async () => {
    const { client } = makeClient({ queueLimit: 1 });
    client.start();
    const first = client.request({ type: 'snapshot' });
    client.request({ type: 'snapshot' }).catch(() => {});
    await expect(first).rejects.toMatchObject({ code: 'dropped' });
  });
});

describe('PulseClient requests', () => {
  it('correlates replies by id', async () => {
    const { client } = makeClient();
    client.start();
    fake.last().serverWelcome();
    const a = client.request({ type: 'history', metric: 'cpu.usage', seconds: 300 });
    const b = client.request({ type: 'snapshot' });
    const [ma, mb] = fake.last().sent;
    expect(ma.id).not.toBe(mb.id);
    fake.last().serverSend({ type: 'snapshot', id: mb.id, metrics: {} });
    fake.last().serverSend({ type: 'history', id: ma.id, metric: 'cpu.usage', points: [[1, 2]] });
    await expect(b).resolves.toMatchObject({ type: 'snapshot' });
    await expect(a).resolves.toMatchObject({ type: 'history', points: [[1, 2]] });
  });

  it('rejects with the server error code', async () => {
    const { client } = makeClient();
    client.start();
    fake.last().serverWelcome();
    const p = client.request({ type: 'history', metric: 'nope', seconds: 300 });
    const { id } = fake.last().sent[0];
    fake.last().serverSend({ type: 'error', code: 'unknown_metric', message: 'no', id });
    await expect(p).rejects.toMatchObject({ code: 'unknown_metric' });
  });

  it('times out when no reply comes', async () => {
    const { client } = makeClient({ requestTimeoutMs: 2000 });
    client.start();
    fake.last().serverWelcome();
    const p = client.request({ type: 'snapshot' });
    const settled = vi.fn();
    p.catch(settled);
    vi.advanceTimersByTime(1999);
    await Promise.resolve();
    expect(settled).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    await expect(p).rejects.toMatchObject({ code: 'timeout' });
  });

  it('emits uncorrelated server errors and other frames', () => {
    const { client } = makeClient();
    const errors = [];
    const messages = [];
    client.on('error', (e) => errors.push(e));
    client.on('message', (m) => messages.push(m.type));
    client.start();
    fake.last().serverWelcome();
    fake.last().serverSend({ type: 'error', code: 'rate_limited', message: 'slow down' });
    fake.last().serverSend({ type: 'metrics', ts: 1 });
    fake.last().serverSend('not json');
    expect(errors.map((e) => e.code || e.kind)).toEqual(['rate_limited', 'protocol']);
    expect(messages).toEqual(['error', 'metrics']);
  });

  it('ping() measures the round trip', async () => {
    const { client } = makeClient();
    client.start();
    fake.last().serverWelcome();
    const p = client.ping();
    const ping = fake.last().sentOfType('ping')[0];
    expect(typeof ping.ts).toBe('number');
    vi.advanceTimersByTime(42);
    fake.last().serverSend({ type: 'pong', id: ping.id, ts: ping.ts, server_ts: Date.now() });
    await expect(p).resolves.toBe(42);
    expect(client.rtt).toBe(42);
  });
});

describe('PulseClient heartbeat', () => {
  it('pings every interval and reconnects when no pong comes', async () => {
    const { client } = makeClient({ pingIntervalMs: 10000, pongTimeoutMs: 3000 });
    const errors = [];
    client.on('error', (e) => errors.push(e.kind));
    client.start();
    const first = fake.last();
    first.serverWelcome();

    vi.advanceTimersByTime(10000);
    const ping1 = first.sentOfType('ping');
    expect(ping1.length).toBe(1);
    first.serverSend({ type: 'pong', id: ping1[0].id, ts: ping1[0].ts });
    await Promise.resolve();
    expect(client.state).toBe(STATES.OPEN);

    vi.advanceTimersByTime(10000);
    expect(first.sentOfType('ping').length).toBe(2);
    vi.advanceTimersByTime(2999);
    await Promise.resolve();
    expect(client.state).toBe(STATES.OPEN);
    vi.advanceTimersByTime(1);
    await vi.waitFor(() => expect(client.state).toBe(STATES.RECONNECTING));
    expect(errors).toContain('heartbeat');
    expect(first.closedWith).not.toBeNull();
  });

  it('pauses while the page is hidden and checks at once when visible again', () => {
    const { client } = makeClient({ pingIntervalMs: 10000 });
    client.start();
    fake.last().serverWelcome();
    client.setVisible(false);
    vi.advanceTimersByTime(60000);
    expect(fake.last().sentOfType('ping').length).toBe(0);
    client.setVisible(true);
    expect(fake.last().sentOfType('ping').length).toBe(1);
    vi.advanceTimersByTime(10000);
    expect(fake.last().sentOfType('ping').length).toBe(2);
  });
});

describe('PulseClient auth', () => {
  it('sends the token first when the welcome asks for it, then subscribes', async () => {
    const getToken = vi.fn(async () => 'tok-123');
    const { client } = makeClient({ getToken });
    client.subscribe('metrics.cpu');
    client.send({ type: 'stats' });
    client.start();
    const ws = fake.last();
    ws.serverWelcome({ auth_required: true });
    await vi.waitFor(() => expect(ws.sent.length).toBe(1));
    expect(ws.sent[0]).toMatchObject({ type: 'auth', token: 'tok-123' });
    expect(client.state).toBe(STATES.CONNECTING);
    ws.serverSend({ type: 'auth_ok', id: ws.sent[0].id, user: 'alice', roles: [], expires: 1 });
    await vi.waitFor(() => expect(client.state).toBe(STATES.OPEN));
    expect(ws.sent.map((m) => m.type)).toEqual(['auth', 'subscribe', 'stats']);
    expect(client.user.user).toBe('alice');
  });

  it('drops the connection when the token is refused and asks again next time', async () => {
    const getToken = vi.fn(async () => 'bad');
    const auth = [];
    const { client } = makeClient({ getToken });
    client.on('auth', (a) => auth.push(a));
    client.start();
    const ws = fake.last();
    ws.serverWelcome({ auth_required: true });
    await vi.waitFor(() => expect(ws.sent.length).toBe(1));
    ws.serverSend({ type: 'error', code: 'unauthorized', message: 'bad token', id: ws.sent[0].id });
    await vi.waitFor(() => expect(client.state).toBe(STATES.RECONNECTING));
    expect(auth[0]).toMatchObject({ ok: false, code: 'unauthorized' });
    vi.runOnlyPendingTimers();
    fake.last().serverWelcome({ auth_required: true });
    await vi.waitFor(() => expect(getToken).toHaveBeenCalledTimes(2));
  });
});
