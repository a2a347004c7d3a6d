import { describe, expect, it, vi } from 'vitest';
import { CHARTS, chartSeries } from './dashboardService.js';
import { backgroundPlugin, buildChartConfig, crosshairPlugin, nearestIndex } from './chartConfig.js';

const colors = { metric: { cpu: '#111111', network: '#222222', 'network-2': '#333333' }, text: 't', muted: 'm', grid: 'g', surface: '#fff' };
const cpu = CHARTS.find((c) => c.id === 'cpu');
const net = CHARTS.find((c) => c.id === 'network');

function config(chart, extra) {
  return buildChartConfig({ chart, series: chartSeries(chart), data: () => [], colors, xMin: 0, xMax: 300000, ...extra });
}

describe('chart configuration', () => {
  it('leaves a series the host does not have (dataset.hidden) out of the legend', () => {
    const filter = config(net).options.plugins.legend.labels.filter;
    const data = { datasets: [{ hidden: false }, { hidden: true }] };
    expect(filter({ datasetIndex: 0 }, data)).toBe(true);
    expect(filter({ datasetIndex: 1 }, data)).toBe(false);
  });

  it('is a non-animated, non-parsing, undecimated linear-x line chart in the metric colour', () => {
    const data = { 'cpu.usage': [{ x: 1, y: 2 }] };
    const cfg = config(cpu, { data: (k) => data[k] || [] });
    expect(cfg.type).toBe('line');
    expect(cfg.options.animation).toBe(false);
    expect(cfg.options.parsing).toBe(false);
    expect(cfg.options.plugins.decimation.enabled).toBe(false);
    expect(cfg.options.scales.x.type).toBe('linear');
    expect(cfg.options.scales.x.min).toBe(0);
    expect(cfg.options.scales.y.max).toBe(100);
    expect(cfg.options.scales.y.ticks.stepSize).toBe(25);
    expect(cfg.data.datasets[0].data).toBe(data['cpu.usage']);
    expect(cfg.data.datasets[0].borderColor).toBe('#111111');
    expect(cfg.data.datasets[0].spanGaps).toBe(false);
    expect(cfg.options.scales.y.ticks.callback(50)).toBe('50%');
  });

  it('second series of a group: its shade, dashed', () => {
    const cfg = config(net);
    expect(cfg.data.datasets[1].borderColor).toBe('#333333');
    expect(cfg.data.datasets[1].borderDash.length).toBe(2);
  });

  it('rate axis: binary-round maximum and steps, labelled in the step unit', () => {
    const cfg = config(net);
    const scale = { max: 400 * 1024 * 1024 - 5, min: 0 };
    cfg.options.scales.y.afterDataLimits(scale);
    expect(scale.max).toBe(400 * 1024 * 1024);
    cfg.options.scales.y.afterBuildTicks(scale);
    expect(scale.ticks.map((t) => t.value / 1024 ** 2)).toEqual([0, 100, 200, 300, 400]);
    expect(cfg.options.scales.y.ticks.callback(200 * 1024 ** 2, 2, scale.ticks)).toBe('200 MiB/s');
    const idle = { max: 0, min: 0 };
    cfg.options.scales.y.afterDataLimits(idle);
    expect(idle.max).toBe(1000);
  });

  it('time axis: clock-aligned ticks', () => {
    const cfg = config(cpu);
    const start = new Date(2026, 11, 5, 10, 0, 7).getTime();
    const scale = { min: start, max: start + 3600000, chart: { width: 600 } };
    cfg.options.scales.x.afterBuildTicks(scale);
    const minutes = scale.ticks.map((t) => new Date(t.value).getMinutes());
    expect(minutes.every((m) => m % 10 === 0)).toBe(true);
    expect(scale.$step).toBe(600000);
  });

  it('zoom, pan and drag-select report the new x range', () => {
    const onView = vi.fn();
    const cfg = config(cpu, { onView });
    const z = cfg.options.plugins.zoom;
    expect(z.zoom.drag.enabled).toBe(true);
    expect(z.zoom.pinch.enabled).toBe(true);
    expect(z.pan.enabled).toBe(true);
    z.zoom.onZoomComplete({ chart: { scales: { x: { min: 10.4, max: 20.6 } } } });
    expect(onView).toHaveBeenCalledWith({ min: 10, max: 21 });
  });

  it('nearestIndex finds the closest point by time', () => {
    const pts = [{ x: 0 }, { x: 10 }, { x: 20 }];
    expect(nearestIndex(pts, 4)).toBe(0);
    expect(nearestIndex(pts, 6)).toBe(1);
    expect(nearestIndex(pts, 99)).toBe(2);
    expect(nearestIndex([], 1)).toBe(-1);
  });

  it('the crosshair plugin reports the hover time and draws a line there', () => {
    const sync = { hover: vi.fn() };
    const ctx = { save: vi.fn(), restore: vi.fn(), beginPath: vi.fn(), moveTo: vi.fn(), lineTo: vi.fn(), stroke: vi.fn(), setLineDash: vi.fn(), fillRect: vi.fn() };
    const chart = {
      $pulse: { sync, hoverX: null, colors },
      ctx,
      width: 100,
      height: 50,
      chartArea: { left: 0, right: 100, top: 0, bottom: 50 },
      scales: { x: { getValueForPixel: (px) => px * 10, getPixelForValue: (v) => v / 10 } },
    };
    crosshairPlugin.afterEvent(chart, { event: { type: 'mousemove', x: 30 }, inChartArea: true });
    expect(sync.hover).toHaveBeenCalledWith(chart, 300);
    chart.$pulse.hoverX = 300;
    crosshairPlugin.afterDatasetsDraw(chart);
    expect(ctx.moveTo).toHaveBeenCalledWith(30, 0);
    crosshairPlugin.afterEvent(chart, { event: { type: 'mouseout' }, inChartArea: false });
    expect(sync.hover).toHaveBeenLastCalledWith(chart, null);
    backgroundPlugin.beforeDraw(chart);
    expect(ctx.fillRect).toHaveBeenCalledWith(0, 0, 100, 50);
  });
});
