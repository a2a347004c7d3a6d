import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render } from '@testing-library/react';
import { MetricsChart } from './MetricsChart.jsx';
import { SeriesStore } from '../lib/seriesStore.js';
import { CHARTS } from '../services/dashboardService.js';
import { chartInstances } from '../test/chartMock.js';

vi.mock('chart.js', async () => (await import('../test/chartMock.js')).chartModule);

const colors = { series: ['#111111', '#222222', '#333333', '#444444', '#555555'], cores: ['#999999'], text: 't', muted: 'm', grid: 'g' };
const cpu = CHARTS.find((c) => c.id === 'cpu');

function setup() {
  const store = new SeriesStore({ windowMs: 300000 });
  const props = { chart: cpu, store, revision: 0, windowMs: 300000, colors };
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
    expect(view.getByRole('img', { name: 'CPU usage chart' })).toBeInTheDocument();
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
      rerender({ revision: i });
    }
    expect(chartInstances).toHaveLength(1);
    expect(chart.destroy).not.toHaveBeenCalled();
    expect(chart.update).toHaveBeenLastCalledWith('none');
    expect(chart.data.datasets[0].data).toBe(store.get('cpu.usage'));
    expect(chart.data.datasets[0].data).toHaveLength(5);
    expect(chart.options.scales.x.max).toBe(5000);
    expect(chart.options.scales.x.min).toBe(5000 - 300000);
    expect(view.getByTestId('chart-cpu')).toHaveAttribute('data-points', '5');
  });

  it('adds per-core lines to the same chart when cores appear', () => {
    const { store, rerender } = setup();
    store.push('cpu.usage', 1000, 10);
    store.push('cpu.core.0', 1000, 5);
    store.push('cpu.core.1', 1000, 15);
    rerender({ revision: 1 });
    expect(chartInstances).toHaveLength(1);
    expect(chartInstances[0].data.datasets.map((d) => d.label)).toEqual(['Total', 'Core 0', 'Core 1']);
  });

  it('recolours in place when the theme changes', () => {
    const { rerender } = setup();
    rerender({ colors: { ...colors, series: ['#abcdef'], grid: 'dark-grid' } });
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
