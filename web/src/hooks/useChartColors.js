// useChartColors: the chart palette, read from the CSS variables of the current theme, read
// again whenever the resolved theme changes.

import { useMemo } from 'react';
import { COLOR_NAMES } from '../services/dashboardService.js';

const FALLBACK = {
  metric: {
    cpu: '#2563eb', memory: '#047857', 'memory-2': '#065f46', network: '#7c3aed', 'network-2': '#4c1d95',
    disk: '#be185d', 'disk-2': '#831843', load: '#b45309', 'load-2': '#78350f', system: '#0e7490',
  },
  text: '#1e293b',
  muted: '#475569',
  grid: 'rgba(100,116,139,0.2)',
  surface: '#ffffff',
};

export function readChartColors(el = globalThis.document?.documentElement) {
  if (!el || !globalThis.getComputedStyle) return FALLBACK;
  const css = globalThis.getComputedStyle(el);
  const get = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
  return {
    metric: Object.fromEntries(COLOR_NAMES.map((n) => [n, get(`--m-${n}`, FALLBACK.metric[n])])),
    text: get('--text', FALLBACK.text),
    muted: get('--text-muted', FALLBACK.muted),
    grid: get('--chart-grid', FALLBACK.grid),
    surface: get('--surface', FALLBACK.surface),
  };
}

/** @param {string} theme the resolved theme ("light"/"dark"); a change re-reads the colours. */
export function useChartColors(theme) {
  // eslint-disable-next-line react-hooks/exhaustive-deps
  return useMemo(() => ({ ...readChartColors(), theme }), [theme]);
}
