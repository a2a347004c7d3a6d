// ChartSync: one crosshair and tooltip for all charts. The chart under the pointer reports the
// time it points at; every other chart shows a crosshair there and its tooltip with the values
// nearest to that time. Listeners (e.g. the per-core heatmap) get the time too. No React.

import { nearestIndex } from '../services/chartConfig.js';

export class ChartSync {
  constructor() {
    this.charts = new Set();
    this.listeners = new Set();
    this.hoverX = null;
  }

  add(chart) {
    this.charts.add(chart);
    return () => this.charts.delete(chart);
  }

  listen(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The pointer is at time x over `source` (null: it left). */
  hover(source, x) {
    if (x === this.hoverX) return;
    this.hoverX = x;
    for (const chart of this.charts) {
      if (!chart.$pulse) continue;
      chart.$pulse.hoverX = x;
      if (chart === source) continue;
      showTooltipAt(chart, x);
    }
    for (const fn of this.listeners) fn(x, source);
  }
}

/** Show a chart's tooltip at the points nearest to time x (hide it for null). */
export function showTooltipAt(chart, x) {
  const tooltip = chart.tooltip;
  if (!tooltip || !chart.scales?.x) return;
  if (x == null) {
    tooltip.setActiveElements([], { x: 0, y: 0 });
    chart.setActiveElements?.([]);
  } else {
    const active = [];
    chart.data.datasets.forEach((d, datasetIndex) => {
      const index = nearestIndex(d.data, x);
      if (index >= 0 && d.data[index].y !== null) active.push({ datasetIndex, index });
    });
    const px = chart.scales.x.getPixelForValue(x);
    tooltip.setActiveElements(active, { x: px, y: chart.chartArea.top });
    chart.setActiveElements?.(active);
  }
  chart.update('none');
}
