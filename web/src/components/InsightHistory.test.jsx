// The page loads the insight history when it connects, so a reload shows what happened.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { act, render, screen, within } from '@testing-library/react';
import { Dashboard } from './Dashboard.jsx';
import { usePulseDashboard } from '../hooks/usePulseDashboard.js';
import { createFakeWebSocket } from '../test/fakeWebSocket.js';

vi.mock('chart.js', async () => (await import('../test/chartMock.js')).chartModule);

let fake;

function Page() {
  const dash = usePulseDashboard({
    url: 'ws://test/ws',
    clientOptions: { WebSocket: fake.FakeWebSocket, random: () => 0, pingIntervalMs: 0 },
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
    const asks = ws.sentOfType('insights');
    expect(asks).toHaveLength(1);
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
    const ask = ws.sentOfType('insights')[0];
    await act(async () =>
      ws.serverSend({ type: 'error', code: 'unknown_type', message: 'no handler', id: ask.id }),
    );
    act(() => ws.serverSend({ type: 'insight', state: 'raised', level: 'warning', metric: 'cpu.usage', message: 'CPU at 97 %', ts: Date.now(), seq: 1 }));
    expect(screen.getByText('1 active')).toBeInTheDocument();
  });
});
