import { describe, expect, it, vi } from 'vitest';
import { earlySocketClass, openEarlySocket } from './earlySocket.js';
import { PulseClient } from './pulseClient.js';
import { createFakeWebSocket } from '../test/fakeWebSocket.js';

describe('earlySocket', () => {
  it('the client adopts the early socket and sees the welcome that came before it listened', async () => {
    const fake = createFakeWebSocket();
    const early = openEarlySocket('ws://test/ws', fake.FakeWebSocket);
    expect(fake.sockets).toHaveLength(1);
    const ws = fake.last();
    ws.serverWelcome(); // open + welcome, before any client exists
    const client = new PulseClient({ url: 'ws://test/ws', WebSocket: earlySocketClass(early), random: () => 0, pingIntervalMs: 0 });
    const states = [];
    client.on('state', (s) => states.push(s.state));
    client.subscriptions.add('metrics.cpu');
    client.start();
    await Promise.resolve();
    await Promise.resolve();
    expect(fake.last()).toBe(ws); // no second socket
    expect(states).toContain('open');
    expect(ws.sentOfType('subscribe').map((m) => m.channel)).toEqual(['metrics.cpu']);
    client.stop();
  });

  it('a reconnect opens a new socket', () => {
    const Native = vi.fn(function Sock(url) {
      this.url = url;
    });
    const early = openEarlySocket('ws://a/ws', Native);
    const Cls = earlySocketClass(early);
    const first = Cls('ws://a/ws');
    expect(first).toBe(early.socket);
    Cls('ws://a/ws');
    expect(Native).toHaveBeenCalledTimes(2);
  });

  it('without WebSocket there is no early socket and the client uses its default', () => {
    expect(openEarlySocket('ws://a/ws', null)).toBeNull();
    expect(earlySocketClass(null)).toBeUndefined();
  });
});
