// A Chart.js stand-in that records what the components do with their charts.
import { vi } from 'vitest';

export const chartInstances = [];

export class FakeChart {
  constructor(ctx, config) {
    this.ctx = ctx;
    this.config = config;
    this.data = config.data;
    this.options = config.options;
    this.update = vi.fn();
    this.destroy = vi.fn();
    chartInstances.push(this);
  }

  static register() {}
}

export const chartModule = {
  Chart: FakeChart,
  Decimation: {},
  Filler: {},
  Legend: {},
  LineController: {},
  LineElement: {},
  LinearScale: {},
  PointElement: {},
  Tooltip: {},
};
