import { describe, expect, it, vi } from 'vitest';
import { act, renderHook } from '@testing-library/react';
import { defaultSocketUrl, useWebSocket } from './useWebSocket.js';
import { createFakeWebSocket } from '../test/fakeWebSocket.js';

function setup(options = {}) {
  const fake = createFakeWebSocket();
  const onMessage = vi.fn();
  const hook = renderHook(
    ({ channels }) =>
      useWebSocket('ws://t/ws', { WebSocket: fake.FakeWebSocket, pingIntervalMs: 0, random: () => 0, onMessage, channels, ...options }),
    { initialProps: { channels: ['metrics.cpu', 'insights'] } },
  );
  return { fake, onMessage, hook };
}

describe('defaultSocketUrl', () => {
  it('derives ws/wss from the page', () => {
    expect(defaultSocketUrl({ protocol: 'http:', host: 'h:8080' })).toBe('ws://h:8080/ws');
    expect(defaultSocketUrl({ protocol: 'https:', host: 'example.org' })).toBe('wss://example.org/ws');
  });
});

describe('useWebSocket', () => {
  it('exposes the state machine as React state', () => {
    const { fake, hook } = setup();
    expect(hook.result.current.status.state).toBe('connecting');
    act(() => fake.last().serverWelcome());
    expect(hook.result.current.status.state).toBe('open');
    expect(hook.result.current.status.welcome.server).toBe('pulse/test');
    act(() => fake.last().serverClose(1006));
    expect(hook.result.current.status.state).toBe('reconnecting');
    expect(hook.result.current.status.attempt).toBe(1);
  });

  it('keeps the subscriptions in sync with the channels prop', () => {
    const { fake, hook } = setup();
    act(() => fake.last().serverWelcome());
    const ws = fake.last();
    expect(ws.sentOfType('subscribe').map((m) => m.channel)).toEqual(['metrics.cpu', 'insights']);
    hook.rerender({ channels: ['insights', 'metrics.disk'] });
    expect(ws.sentOfType('unsubscribe').map((m) => m.channel)).toEqual(['metrics.cpu']);
    expect(ws.sentOfType('subscribe').map((m) => m.channel)).toEqual(['metrics.cpu', 'insights', 'metrics.disk']);
  });

  it('passes frames to onMessage and closes the socket on unmount', () => {
    const { fake, hook, onMessage } = setup();
    act(() => fake.last().serverWelcome());
    act(() => fake.last().serverSend({ type: 'metrics', ts: 5 }));
    expect(onMessage).toHaveBeenCalledWith(expect.objectContaining({ type: 'metrics', ts: 5 }));
    const ws = fake.last();
    hook.unmount();
    expect(ws.closedWith).toEqual({ code: 1000, reason: 'client stop' });
  });

  it('follows page visibility for the heartbeat', () => {
    const { fake } = setup({ pingIntervalMs: 60000 });
    act(() => fake.last().serverWelcome());
    const ws = fake.last();
    const vis = vi.spyOn(document, 'visibilityState', 'get');
    vis.mockReturnValue('hidden');
    act(() => document.dispatchEvent(new Event('visibilitychange')));
    vis.mockReturnValue('visible');
    act(() => document.dispatchEvent(new Event('visibilitychange')));
    expect(ws.sentOfType('ping')).toHaveLength(1); // liveness check on return
  });
});
