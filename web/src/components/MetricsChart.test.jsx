import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render } from '@testing-library/react';
import { MetricsChart } from './MetricsChart.jsx';
import { SeriesStore } from '../lib/seriesStore.js';
import { CHARTS } from '../services/dashboardService.js';
import { chartInstances } from '../test/chartMock.js';
import { ChartSync } from '../lib/chartSync.js';

vi.mock('chart.js', async () => (await import('../test/chartMock.js')).chartModule);

const colors = { metric: { cpu: '#111111' }, text: 't', muted: 'm', grid: 'g', surface: '#ffffff' };
const cpu = CHARTS.find((c) => c.id === 'cpu');

function setup() {
  const store = new SeriesStore({ windowMs: 300000 });
  const props = { chart: cpu, store, revision: 0, xMin: 0, xMax: 300000, colors };
  const view = render(<MetricsChart {...props} />);
  const rerender = (extra) => view.rerender(<MetricsChart {...props} {...extra} />);
  return { store, view, rerender };
}

beforeEach(() => {
  chartInstances.length = 0;
});

describe('MetricsChart', () => {
  it('renders a titled chart', () => {
    const { view } = setup();
    expect(view.getByText('CPU usage')).toBeInTheDocument();
    expect(view.getByRole('img', { name: 'CPU usage: no data yet.' })).toBeInTheDocument();
    expect(view.getByRole('group', { name: /CPU usage chart\. Arrow keys pan/ })).toHaveAttribute('tabindex', '0');
  });

  it('creates the chart once and updates it in place on every tick', () => {
    const { store, view, rerender } = setup();
    expect(chartInstances).toHaveLength(1);
    const chart = chartInstances[0];
    const cfg = chart.config;
    expect(cfg.options.animation).toBe(false);
    expect(cfg.options.parsing).toBe(false);

    for (let i = 1; i <= 5; i += 1) {
      store.push('cpu.usage', 1000 * i, 10 * i);
      rerender({ revision: i, xMin: 5000 * i - 300000, xMax: 5000 * i });
    }
    expect(chartInstances).toHaveLength(1);
    expect(chart.destroy).not.toHaveBeenCalled();
    expect(chart.update).toHaveBeenLastCalledWith('none');
    expect(chart.data.datasets[0].data).toBe(store.get('cpu.usage'));
    expect(chart.data.datasets[0].data).toHaveLength(5);
    expect(chart.options.scales.x.max).toBe(25000);
    expect(chart.options.scales.x.min).toBe(25000 - 300000);
    expect(view.getByTestId('chart-cpu')).toHaveAttribute('data-points', '5');
    expect(view.getByTestId('summary-cpu')).toHaveTextContent(/CPU usage, latest: Total 50\.0%/);
  });

  it('a pan in progress keeps its x range across ticks until the view changes', () => {
    const { store, rerender } = setup();
    const chart = chartInstances[0];
    // The zoom plugin moves the axis under the finger (it writes the scale options).
    chart.options.scales.x.min = -10000;
    chart.options.scales.x.max = 290000;
    store.push('cpu.usage', 1000, 5);
    rerender({ revision: 1 });
    expect(chart.options.scales.x.min).toBe(-10000);
    expect(chart.options.scales.x.max).toBe(290000);
    expect(chart.data.datasets[0].data).toHaveLength(1);
    rerender({ revision: 2, xMin: -20000, xMax: 280000 });
    expect(chart.options.scales.x.min).toBe(-20000);
    expect(chart.options.scales.x.max).toBe(280000);
  });

  it('a host without swap: the swap series is hidden and the head says "no swap"', () => {
    const store = new SeriesStore({ windowMs: 300000 });
    const mem = CHARTS.find((c) => c.id === 'memory');
    store.push('memory.swap_usage', 1000, 0);
    const view = render(
      <MetricsChart chart={mem} store={store} revision={1} xMin={0} xMax={300000} colors={colors} absent={[{ key: 'memory.swap_usage', note: 'no swap' }]} />,
    );
    const swap = chartInstances[0].data.datasets.find((d) => d.label === 'Swap');
    expect(swap.hidden).toBe(true);
    expect(swap.data).toEqual([]);
    expect(view.getByTestId('chart-note-memory')).toHaveTextContent('no swap');
  });

  it('zooms and pans from the keyboard and goes back to live with Home', () => {
    const onView = vi.fn();
    const onLive = vi.fn();
    const { view } = setup();
    view.rerender(<MetricsChart chart={cpu} store={new SeriesStore()} revision={1} xMin={0} xMax={100000} colors={colors} onView={onView} onLive={onLive} liveMax={100000} />);
    const area = view.getByRole('group', { name: /CPU usage chart/ });
    fireEvent.keyDown(area, { key: '+' });
    expect(onView).toHaveBeenLastCalledWith({ min: 25000, max: 75000 });
    fireEvent.keyDown(area, { key: 'ArrowLeft' });
    expect(onView).toHaveBeenLastCalledWith({ min: -25000, max: 75000 });
    fireEvent.keyDown(area, { key: 'ArrowRight' });
    expect(onView).toHaveBeenLastCalledWith({ min: 0, max: 100000 }); // not past the newest data
    fireEvent.keyDown(area, { key: 'Home' });
    expect(onLive).toHaveBeenCalledTimes(1);
  });

  it('shows a data table on request and exports CSV', () => {
    const { store, view, rerender } = setup();
    store.push('cpu.usage', 1000, 10);
    store.push('cpu.usage', 2000, 20);
    rerender({ revision: 1 });
    fireEvent.click(view.getByRole('button', { name: 'Table' }));
    const table = view.getByRole('table');
    expect(table.querySelectorAll('tbody tr')).toHaveLength(2);
    expect(table).toHaveTextContent('20.0%');
    globalThis.URL.createObjectURL = vi.fn(() => 'blob:x');
    globalThis.URL.revokeObjectURL = vi.fn();
    fireEvent.click(view.getByRole('button', { name: 'Export CPU usage as CSV' }));
    const blob = globalThis.URL.createObjectURL.mock.calls[0][0];
    expect(blob.type).toBe('text/csv');
  });

  it('registers with the shared crosshair and leaves it on unmount', () => {
    const sync = new ChartSync();
    const store = new SeriesStore();
    const view = render(<MetricsChart chart={cpu} store={store} revision={0} xMin={0} xMax={1} colors={colors} sync={sync} />);
    expect(sync.charts.size).toBe(1);
    view.unmount();
    expect(sync.charts.size).toBe(0);
  });

  it('recolours in place when the theme changes', () => {
    const { rerender } = setup();
    rerender({ colors: { ...colors, metric: { cpu: '#abcdef' }, grid: 'dark-grid' } });
    expect(chartInstances).toHaveLength(1);
    expect(chartInstances[0].data.datasets[0].borderColor).toBe('#abcdef');
    expect(chartInstances[0].options.scales.y.grid.color).toBe('dark-grid');
  });

  it('destroys the chart on unmount', () => {
    const { view } = setup();
    view.unmount();
    expect(chartInstances[0].destroy).toHaveBeenCalledTimes(1);
  });

  it('shows Paused when its group is unsubscribed', () => {
    const { view, rerender } = setup();
    expect(view.queryByText('Paused')).toBeNull();
    rerender({ paused: true });
    expect(view.getByText('Paused')).toBeInTheDocument();
  });
});
