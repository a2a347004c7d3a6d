// The whole page against a fake socket: usePulseDashboard + useWebSocket + Dashboard.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { Dashboard } from './Dashboard.jsx';
import { usePulseDashboard } from '../hooks/usePulseDashboard.js';
import { createFakeWebSocket } from '../test/fakeWebSocket.js';
import { chartInstances } from '../test/chartMock.js';

vi.mock('chart.js', async () => (await import('../test/chartMock.js')).chartModule);

let fake;

function Page() {
  const dash = usePulseDashboard({
    url: 'ws://test/ws',
    clientOptions: { WebSocket: fake.FakeWebSocket, random: () => 0, pingIntervalMs: 0 },
  });
  return <Dashboard {...dash} />;
}

/** The charts are loaded lazily (after the first values): wait until all five exist. */
const chartsReady = () => waitFor(() => expect(chartInstances).toHaveLength(5), { timeout: 10000 });

function connect() {
  act(() => fake.last().serverWelcome());
  return fake.last();
}

const subscribed = (ws) => {
  const set = new Set();
  for (const m of ws.sent) {
    if (m.type === 'subscribe') set.add(m.channel);
    if (m.type === 'unsubscribe') set.delete(m.channel);
  }
  return [...set].sort();
};

beforeEach(() => {
  fake = createFakeWebSocket();
  chartInstances.length = 0;
  sessionStorage.clear();
  localStorage.clear();
  window.history.replaceState(null, '', '/');
});

describe('Dashboard', () => {
  it('connects, subscribes to every group and insights, and shows Connected', async () => {
    render(<Page />);
    expect(screen.getByTestId('connection-state')).toHaveTextContent('Connecting');
    const ws = connect();
    expect(screen.getByTestId('connection-state')).toHaveTextContent('Connected');
    expect(subscribed(ws)).toEqual([
      'insights', 'metrics.cpu', 'metrics.disk', 'metrics.load', 'metrics.memory', 'metrics.network', 'metrics.processes', 'metrics.system',
    ]);
    expect(ws.sentOfType('snapshot')).toHaveLength(1);
    const hist = ws.sentOfType('history');
    expect(hist).toHaveLength(1); // one batched request for every chart
    expect(hist[0].metrics).toContain('cpu.usage');
    expect(hist[0].seconds).toBe(300);
    expect(hist[0].points).toBeGreaterThanOrEqual(2);
    await chartsReady();
  });

  it('shows metrics frames in the cards and charts, charts updated in place', async () => {
    render(<Page />);
    const ws = connect();
    await chartsReady();
    act(() => ws.serverSend({ type: 'metrics', ts: 1000, cpu: { usage: 12.5, cores: [10, 15] }, network: { rx_bps: 2048 } }));
    act(() => ws.serverSend({ type: 'metrics', ts: 2000, cpu: { usage: 20, cores: [18, 22] } }));
    expect(screen.getByTestId('value-cpu')).toHaveTextContent('20.0%');
    expect(screen.getByTestId('value-network')).toHaveTextContent('2.00KiB/s');
    expect(screen.getByTestId('card-cpu')).toHaveAttribute('data-ts', '2000');
    expect(chartInstances).toHaveLength(5);
    const cpuChart = chartInstances.find((c) => c.data.datasets[0].label === 'Total');
    expect(cpuChart.data.datasets[0].data.map((p) => p.y)).toEqual([12.5, 20]);
    expect(cpuChart.data.datasets).toHaveLength(1);
    expect(screen.getByTestId('chart-cores')).toHaveAttribute('data-cores', '2'); // the per-core heatmap
    // The number of cores is known now: their history is asked for at once.
    expect(ws.sentOfType('history').at(-1).metrics).toEqual(['cpu.cores.0', 'cpu.cores.1']);
  });

  it('paints the cards first: no chart is built before the first values are on screen', async () => {
    render(<Page />);
    const ws = connect();
    expect(chartInstances).toHaveLength(0);
    expect(document.querySelectorAll('.chart-card--loading')).toHaveLength(6);
    act(() => ws.serverSend({ type: 'metrics', ts: 1000, cpu: { usage: 12.5, cores: [10, 15] } }));
    expect(screen.getByTestId('value-cpu')).toHaveTextContent('12.5%');
    expect(chartInstances).toHaveLength(0);
    await chartsReady();
  });

  it('a host without swap: the memory chart says "no swap" and draws no swap line', async () => {
    render(<Page />);
    const ws = connect();
    act(() => ws.serverSend({ type: 'metrics', ts: 1000, memory: { usage: 40, swap: { used: 0, total: 0 } } }));
    await chartsReady();
    expect(screen.getByTestId('chart-note-memory')).toHaveTextContent('no swap');
    const mem = chartInstances.find((c) => c.data.datasets.some((d) => d.label === 'Swap'));
    const swap = mem.data.datasets.find((d) => d.label === 'Swap');
    expect(swap.hidden).toBe(true);
    expect(swap.data).toEqual([]);
    expect(screen.getByTestId('summary-memory')).not.toHaveTextContent(/Swap/);
    // A host that has swap: the line is drawn and there is no note.
    act(() => ws.serverSend({ type: 'metrics', ts: 2000, memory: { usage: 41, swap: { used: 1024, total: 4096 } } }));
    expect(screen.queryByTestId('chart-note-memory')).toBeNull();
    expect(swap.hidden).toBe(false);
    expect(swap.data.map((p) => p.y)).toContain(25);
  });

  it('a group toggle unsubscribes and subscribes for real', () => {
    render(<Page />);
    const ws = connect();
    fireEvent.click(screen.getByRole('checkbox', { name: 'Network' }));
    expect(ws.sentOfType('unsubscribe').map((m) => m.channel)).toEqual(['metrics.network']);
    expect(within(screen.getByTestId('card-network')).getByText('Paused')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('checkbox', { name: 'Network' }));
    expect(ws.sentOfType('subscribe').filter((m) => m.channel === 'metrics.network')).toHaveLength(2);
    // Coming back fills the gap from history.
    const rx = ws.sentOfType('history').filter((m) => m.metrics.includes('network.rx_bps'));
    expect(rx).toHaveLength(2);
    expect(rx[1].metrics).toEqual(['network.rx_bps', 'network.tx_bps']);
  });

  it('loads history for a range in one request and keeps going live', async () => {
    render(<Page />);
    const ws = connect();
    await chartsReady();
    fireEvent.click(screen.getByRole('radio', { name: '1 h' }));
    const reqs = ws.sentOfType('history').filter((m) => m.seconds === 3600);
    expect(reqs).toHaveLength(1);
    expect([...reqs[0].metrics].sort()).toEqual([
      'cpu.usage', 'disk.read_bps', 'disk.write_bps', 'load.15m', 'load.1m', 'load.5m',
      'memory.swap_usage', 'memory.usage', 'memory.used', 'network.rx_bps', 'network.tx_bps',
    ]);
    expect(screen.getByTestId('history-status')).toHaveTextContent('Loading 1 h');
    const now = Date.now();
    const series = Object.fromEntries(reqs[0].metrics.map((m) => [m, { step_ms: 1000000, points: [[now - 3000000, 1], [now - 2000000, null], [now - 1000000, 2]] }]));
    act(() => ws.serverSend({ type: 'history', id: reqs[0].id, seconds: 3600, series }));
    await waitFor(() => expect(screen.getByTestId('history-status')).toHaveTextContent('2 points per series · 1 h · live'));
    act(() => ws.serverSend({ type: 'metrics', ts: now, cpu: { usage: 3 } }));
    const cpuChart = chartInstances.find((c) => c.data.datasets[0].label === 'Total');
    expect(cpuChart.data.datasets[0].data.map((p) => p.y)).toEqual([1, null, 2, null, 3]); // null: a break (a missing value, then 1000 s without data)
    expect(window.location.search).toBe('?range=1h');
  });

  it('asks again at full detail while the daemon is younger than a quarter of the range', async () => {
    render(<Page />);
    const ws = connect();
    fireEvent.click(screen.getByRole('radio', { name: '7 d' }));
    const [req] = ws.sentOfType('history').filter((m) => m.seconds === 604800);
    const now = Date.now();
    const coarse = Object.fromEntries(req.metrics.map((m) => [m, { step_ms: 604800, points: [[now - 60000, 5]] }]));
    act(() => ws.serverSend({ type: 'history', id: req.id, seconds: 604800, series: coarse }));
    await waitFor(() => expect(ws.sentOfType('history').filter((m) => m.seconds < 604800 && m.seconds > 300)).toHaveLength(0));
    // One coarse point covers no time: nothing to refine. Two points a minute apart do:
    fireEvent.click(screen.getByRole('radio', { name: '24 h' }));
    const [day] = ws.sentOfType('history').filter((m) => m.seconds === 86400);
    const two = Object.fromEntries(day.metrics.map((m) => [m, { step_ms: 86400, points: [[now - 60000, 5], [now, 6]] }]));
    act(() => ws.serverSend({ type: 'history', id: day.id, seconds: 86400, series: two }));
    await waitFor(() => expect(ws.sentOfType('history').filter((m) => m.seconds > 60 && m.seconds < 120)).toHaveLength(1));
    const fine = ws.sentOfType('history').at(-1);
    const pts = Array.from({ length: 60 }, (_, i) => [now - 60000 + i * 1000, i]);
    act(() => ws.serverSend({ type: 'history', id: fine.id, seconds: fine.seconds, series: Object.fromEntries(fine.metrics.map((m) => [m, { step_ms: 1000, points: pts }])) }));
    await waitFor(() => expect(screen.getByTestId('history-status')).toHaveTextContent(/^\d+ points per series · 24 h/));
    expect(Number(screen.getByTestId('history-status').dataset.points)).toBeGreaterThan(30);
  });

  it('falls back to one request per metric when the server does not know the batched form', async () => {
    render(<Page />);
    const ws = connect();
    const first = ws.sentOfType('history')[0];
    act(() => ws.serverSend({ type: 'error', code: 'bad_request', message: 'metric must be a string', id: first.id }));
    await waitFor(() => expect(ws.sentOfType('history').filter((m) => m.metric).length).toBe(first.metrics.length));
    const load = ws.sentOfType('history').find((m) => m.metric === 'load.1m');
    act(() => ws.serverSend({ type: 'error', code: 'unknown_metric', message: 'no', id: load.id }));
    const at = Date.now() - 1000;
    for (const r of ws.sentOfType('history').filter((m) => m.metric && m.metric !== 'load.1m')) {
      act(() => ws.serverSend({ type: 'history', id: r.id, metric: r.metric, step_ms: 1000, points: [[at, 1]] }));
    }
    await waitFor(() => expect(document.querySelector('.toasts')?.textContent).toMatch(/No history could be loaded for load\.1m/), { timeout: 8000 });
  });

  it('greys out and says how old the data is when the connection drops', async () => {
    render(<Page />);
    const ws = connect();
    act(() => ws.serverSend({ type: 'snapshot', server: { connections: 3 } }));
    act(() => ws.serverSend({ type: 'metrics', ts: 1000, cpu: { usage: 12.5 } }));
    expect(screen.getByTestId('live-state')).toHaveTextContent('Live');
    expect(screen.getByText(/3 connected/)).toBeInTheDocument();
    act(() => ws.serverClose(1006));
    expect(screen.getByTestId('live-state')).toHaveTextContent(/Not live · last update \d+ s ago/);
    expect(document.querySelector('.app')).toHaveAttribute('data-stale', 'true');
    expect(screen.queryByText(/3 connected/)).toBeNull();
    expect(screen.getByTestId('history-status')).not.toHaveTextContent(/· live/);
  });

  it('pauses and resumes; the theme choice is remembered and in the URL', () => {
    render(<Page />);
    const ws = connect();
    act(() => ws.serverSend({ type: 'metrics', ts: 1000, cpu: { usage: 1 } }));
    fireEvent.click(screen.getByTestId('pause'));
    expect(screen.getByTestId('history-status')).toHaveTextContent(/Paused:/);
    expect(screen.getByTestId('live-state')).toHaveTextContent('Paused');
    fireEvent.click(screen.getByTestId('pause'));
    expect(screen.getByTestId('live-state')).toHaveTextContent('Live');
    fireEvent.change(screen.getByTestId('theme'), { target: { value: 'dark' } });
    expect(document.documentElement.dataset.theme).toBe('dark');
    expect(localStorage.getItem('pulse.theme')).toBe('dark');
    expect(window.location.search).toContain('theme=dark');
    fireEvent.change(screen.getByTestId('theme'), { target: { value: 'system' } });
  });

  it('shows Reconnecting, then restores the subscriptions on the new socket', async () => {
    render(<Page />);
    const first = connect();
    fireEvent.click(screen.getByRole('checkbox', { name: 'Disk' }));
    act(() => first.serverClose(1006));
    expect(screen.getByTestId('connection-state')).toHaveTextContent('Reconnecting');
    expect(screen.getByText(/Lost the connection/)).toBeInTheDocument();
    await waitFor(() => expect(fake.sockets).toHaveLength(2));
    const second = connect();
    expect(screen.getByTestId('connection-state')).toHaveTextContent('Connected');
    expect(subscribed(second)).toEqual([
      'insights', 'metrics.cpu', 'metrics.load', 'metrics.memory', 'metrics.network', 'metrics.processes', 'metrics.system',
    ]);
    expect(screen.queryByText(/Connection lost/)).toBeNull();
  });

  it('shows server errors as dismissible notifications and insights in the panel', () => {
    render(<Page />);
    const ws = connect();
    act(() => ws.serverSend({ type: 'error', code: 'rate_limited', message: 'slow down' }));
    act(() => ws.serverSend({ type: 'insight', level: 'critical', metric: 'cpu.usage', message: 'CPU on fire', value: 99, ts: 5 }));
    expect(screen.getByText('rate_limited: slow down')).toBeInTheDocument();
    expect(within(screen.getByTestId('insights')).getByText('CPU on fire')).toBeInTheDocument();
    expect(within(screen.getByTestId('insights')).getByText('1 active')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss notification' }));
    expect(screen.queryByText('rate_limited: slow down')).toBeNull();
  });

  it('ping test shows the measured round trip', async () => {
    render(<Page />);
    const ws = connect();
    fireEvent.click(screen.getByRole('button', { name: 'Ping test' }));
    const ping = ws.sentOfType('ping')[0];
    act(() => ws.serverSend({ type: 'pong', id: ping.id, ts: ping.ts, server_ts: ping.ts }));
    await waitFor(() => expect(screen.getByTestId('ping-result')).toHaveTextContent(/RTT \d/));
  });

  it('asks for a token when the server requires one and keeps it in sessionStorage', async () => {
    render(<Page />);
    act(() => fake.last().serverWelcome({ auth_required: true }));
    const ws = fake.last();
    fireEvent.change(await screen.findByLabelText('Token'), { target: { value: 'secret-jwt' } });
    fireEvent.click(screen.getByRole('button', { name: 'Connect' }));
    await waitFor(() => expect(ws.sentOfType('auth')).toHaveLength(1));
    expect(ws.sent[0]).toMatchObject({ type: 'auth', token: 'secret-jwt' });
    expect(sessionStorage.getItem('pulse.token')).toBe('secret-jwt');
    act(() => ws.serverSend({ type: 'auth_ok', id: ws.sent[0].id, user: 'alice', roles: [], expires: 1 }));
    await waitFor(() => expect(screen.getByTestId('connection-state')).toHaveTextContent('Connected'));
    expect(subscribed(ws)).toContain('metrics.cpu');
  });
});
