import { describe, expect, it, vi } from 'vitest';
import { act, fireEvent, render, renderHook, screen, waitFor } from '@testing-library/react';
import { createFakeWebSocket } from '../test/fakeWebSocket.js';
import { FleetPanel } from './FleetPanel.jsx';
import { useFleet } from './useFleet.js';

vi.mock('chart.js', async () => (await import('../test/chartMock.js')).chartModule);

const now = Date.now();
const stats = {
  node: 'a',
  nodes: [
    { name: 'a', last_seen: now },
    { name: 'b', last_seen: now - 60_000 },
  ],
};

describe('FleetPanel', () => {
  it('renders nothing for a single node', () => {
    const { container } = render(<FleetPanel fleet={{ stats: { node: 'a', nodes: [{ name: 'a', last_seen: now }] }, frames: {} }} />);
    expect(container).toBeEmptyDOMElement();
  });

  it('shows a tile per host, marks the stale one, and opens a host on click', async () => {
    const fetchImpl = vi.fn(async () => ({ json: async () => ({ points: [[now - 1000, 42]] }) }));
    const frames = { a: { ts: now, cpu: { usage: 5 }, memory: { usage: 50 }, network: { rx_bps: 1, tx_bps: 2 }, load: { '1m': 0.25 } } };
    sessionStorage.setItem('pulse.token', 'tok.en.x');
    render(<FleetPanel fleet={{ stats, frames }} fetchImpl={fetchImpl} />);
    expect(screen.getByText('Fleet · 2 hosts')).toBeInTheDocument();
    const tiles = screen.getAllByRole('button');
    expect(tiles).toHaveLength(2);
    expect(tiles[1]).toHaveClass('stale');
    expect(tiles[0]).not.toHaveClass('stale');
    expect(screen.getByText('CPU 5.0%')).toBeInTheDocument();
    await act(async () => fireEvent.click(tiles[1]));
    expect(await screen.findByLabelText('charts of b')).toBeInTheDocument(); // loaded lazily, with Chart.js
    // The host charts fetch in an effect after their lazy chunk mounted: wait for the call.
    await waitFor(() =>
      expect(fetchImpl).toHaveBeenCalledWith(
        '/api/history?metric=cpu.usage&seconds=900&host=b',
        expect.objectContaining({ headers: expect.objectContaining({ Authorization: 'Bearer tok.en.x' }) }),
      ),
    );
    sessionStorage.clear();
    expect(screen.getByRole('combobox')).toHaveValue('b');
  });
});

describe('useFleet', () => {
  it('asks for stats and subscribes to every host once', () => {
    const { FakeWebSocket, sockets } = createFakeWebSocket();
    const { result } = renderHook(() => useFleet({ WebSocketImpl: FakeWebSocket, url: 'ws://x/ws' }));
    const ws = sockets[0];
    act(() => ws.serverOpen());
    expect(ws.sent).toHaveLength(0); // waits for the welcome
    act(() => ws.serverSend({ type: 'welcome', auth_required: false }));
    expect(ws.sent[0]).toMatchObject({ type: 'stats' });
    act(() => ws.serverSend({ type: 'stats', id: 'fleet-stats', node: 'a', nodes: stats.nodes }));
    act(() => ws.serverSend({ type: 'stats', id: 'fleet-stats', node: 'a', nodes: stats.nodes }));
    const subs = ws.sent.filter((m) => m.type === 'subscribe');
    expect(subs).toEqual([
      { type: 'subscribe', channel: 'metrics', host: 'a' },
      { type: 'subscribe', channel: 'metrics', host: 'b' },
    ]);
    act(() => ws.serverSend({ type: 'metrics', host: 'b', ts: 5, cpu: { usage: 1 } }));
    expect(result.current.frames.b.cpu.usage).toBe(1);
    expect(result.current.stats.nodes).toHaveLength(2);
  });

  it('signs in with the stored token before asking for stats when auth is on', () => {
    const { FakeWebSocket, sockets } = createFakeWebSocket();
    renderHook(() => useFleet({ WebSocketImpl: FakeWebSocket, url: 'ws://x/ws', getToken: () => 'a.b.c' }));
    const ws = sockets[0];
    act(() => ws.serverOpen());
    act(() => ws.serverSend({ type: 'welcome', auth_required: true }));
    expect(ws.sent.map((m) => m.type)).toEqual(['auth', 'stats']);
    expect(ws.sent[0]).toMatchObject({ type: 'auth', token: 'a.b.c' });
  });

  it('sends no auth in open mode even with a stored token', () => {
    const { FakeWebSocket, sockets } = createFakeWebSocket();
    renderHook(() => useFleet({ WebSocketImpl: FakeWebSocket, url: 'ws://x/ws', getToken: () => 'a.b.c' }));
    const ws = sockets[0];
    act(() => ws.serverOpen());
    act(() => ws.serverSend({ type: 'welcome', auth_required: false }));
    expect(ws.sent.map((m) => m.type)).toEqual(['stats']);
  });
});
