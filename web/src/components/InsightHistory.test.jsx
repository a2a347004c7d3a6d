// The page loads the insight history when it connects, so a reload shows what happened.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import { Dashboard } from './Dashboard.jsx';
import { usePulseDashboard } from '../hooks/usePulseDashboard.js';
import { createFakeWebSocket } from '../test/fakeWebSocket.js';

vi.mock('chart.js', async () => (await import('../test/chartMock.js')).chartModule);

let fake;

// No HTTP API here (an older daemon, or a proxy passing only /ws): the socket is asked instead.
const noApi = async () => {
  throw new TypeError('fetch failed');
};

function Page({ fetchImpl = noApi }) {
  const dash = usePulseDashboard({
    url: 'ws://test/ws',
    clientOptions: { WebSocket: fake.FakeWebSocket, random: () => 0, pingIntervalMs: 0 },
    fetchImpl,
  });
  return <Dashboard {...dash} />;
}

beforeEach(() => {
  fake = createFakeWebSocket();
  sessionStorage.clear();
});

describe('insight history on page load', () => {
  it('asks for the last day of insights and lists them with their state', async () => {
    render(<Page />);
    act(() => fake.last().serverWelcome());
    const ws = fake.last();
    await waitFor(() => expect(ws.sentOfType('insights')).toHaveLength(1));
    const asks = ws.sentOfType('insights');
    expect(asks[0]).toMatchObject({ seconds: 86400, limit: 100 });
    const ts = Date.now() - 600000;
    await act(async () =>
      ws.serverSend({
        type: 'insights',
        id: asks[0].id,
        insights: [
          { type: 'insight', state: 'raised', level: 'critical', metric: 'memory.usage', message: 'Memory use at 95 %, above 90 % for 60 s', ts, seq: 1, value: 95 },
          { type: 'insight', state: 'resolved', level: 'info', metric: 'memory.usage', message: 'Memory use back to normal at 60 % (alert lasted 5 min)', ts: ts + 300000, seq: 2, resolves: 1, raised_ts: ts },
        ],
      }),
    );
    const panel = screen.getByTestId('insights');
    expect(within(panel).getByText('Memory use at 95 %, above 90 % for 60 s')).toBeInTheDocument();
    expect(within(panel).getByText('All clear')).toBeInTheDocument();
    const states = within(panel).getAllByTestId('alert').map((li) => li.getAttribute('data-state'));
    expect(states).toEqual(['resolved', 'ended']);
    // A live frame already in the history is not listed twice.
    act(() => ws.serverSend({ type: 'insight', state: 'resolved', level: 'info', metric: 'memory.usage', message: 'x', ts: ts + 300000, seq: 2, resolves: 1 }));
    expect(within(panel).getAllByTestId('alert')).toHaveLength(2);
  });

  it('shows the live insights when the daemon has no history', async () => {
    render(<Page />);
    act(() => fake.last().serverWelcome());
    const ws = fake.last();
    await waitFor(() => expect(ws.sentOfType('insights')).toHaveLength(1));
    const ask = ws.sentOfType('insights')[0];
    await act(async () =>
      ws.serverSend({ type: 'error', code: 'unknown_type', message: 'no handler', id: ask.id }),
    );
    act(() => ws.serverSend({ type: 'insight', state: 'raised', level: 'warning', metric: 'cpu.usage', message: 'CPU at 97 %', ts: Date.now(), seq: 1 }));
    expect(screen.getByText('1 active')).toBeInTheDocument();
  });

  it('loads them from GET /api/insights with the signed-in token as Authorization: Bearer', async () => {
    const ts = Date.now() - 60000;
    const fetchImpl = vi.fn(async () => ({
      ok: true,
      status: 200,
      json: async () => ({ type: 'insights', insights: [{ type: 'insight', state: 'raised', level: 'warning', metric: 'cpu.usage', message: 'CPU at 97 % (from the API)', ts, seq: 7 }] }),
    }));
    sessionStorage.setItem('pulse.token', 'tok.en.jwt');
    render(<Page fetchImpl={fetchImpl} />);
    const ws = fake.last();
    act(() => ws.serverWelcome({ auth_required: true }));
    await waitFor(() => expect(ws.sentOfType('auth')).toHaveLength(1));
    act(() => ws.serverSend({ type: 'auth_ok', id: ws.sentOfType('auth')[0].id, user: 'alice', roles: [], expires: 1 }));
    await screen.findByText('CPU at 97 % (from the API)');
    expect(fetchImpl).toHaveBeenCalledTimes(1);
    const [url, init] = fetchImpl.mock.calls[0];
    expect(url).toBe('/api/insights?seconds=86400&limit=100');
    expect(init.headers.Authorization).toBe('Bearer tok.en.jwt');
    expect(ws.sentOfType('insights')).toHaveLength(0); // not asked twice
  });
});
