// useChartColors: the chart palette, read from the CSS variables of the current theme, and
// read again when the system switches between light and dark.

import { useEffect, useState } from 'react';

const SERIES_VARS = ['--chart-1', '--chart-2', '--chart-3', '--chart-4', '--chart-5'];
const FALLBACK = {
  series: ['#3b82f6', '#10b981', '#8b5cf6', '#f59e0b', '#ef4444'],
  cores: ['#94a3b8'],
  text: '#334155',
  muted: '#64748b',
  grid: 'rgba(100,116,139,0.18)',
};

export function readChartColors(el = globalThis.document?.documentElement) {
  if (!el || !globalThis.getComputedStyle) return FALLBACK;
  const css = globalThis.getComputedStyle(el);
  const get = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
  return {
    series: SERIES_VARS.map((v, i) => get(v, FALLBACK.series[i])),
    cores: get('--chart-cores', FALLBACK.cores.join(','))
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean),
    text: get('--text', FALLBACK.text),
    muted: get('--text-muted', FALLBACK.muted),
    grid: get('--chart-grid', FALLBACK.grid),
  };
}

export function useChartColors() {
  const [colors, setColors] = useState(readChartColors);
  useEffect(() => {
    const mq = globalThis.matchMedia?.('(prefers-color-scheme: dark)');
    if (!mq) return undefined;
    const onChange = () => setColors(readChartColors());
    mq.addEventListener?.('change', onChange);
    return () => mq.removeEventListener?.('change', onChange);
  }, []);
  return colors;
}
