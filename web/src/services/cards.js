// cards: the text of each value card (title, main value and unit, caption, lines), from the
// latest sample. Plain JavaScript without React: the page's first-paint script (boot/boot.js)
// paints the same cards with it before React has loaded, and MetricCards renders them after.

import {
  DASH,
  formatBytes,
  formatCount,
  formatDuration,
  formatLoad,
  formatPercent,
  formatRate,
  hasNoSwap,
  swapBytes,
  swapUsage,
} from './dashboardService.js';

function analyticsLine(analytics, metric, fmt) {
  const a = analytics?.[metric];
  if (!a || typeof a !== 'object') return null;
  return ['avg / p95', `${fmt(a.avg)} / ${fmt(a.p95)}`];
}

/** The Element Timing name of every card value: the browser reports when one was painted. */
export const VALUE_TIMING = 'pulse-value';

export function splitUnit(text) {
  // "42.0%" → ["42.0", "%"], "1.5 MiB/s" → ["1.5", "MiB/s"]
  const m = /^(-?[\d.,]+)\s*(.*)$/.exec(text);
  return m ? [m[1], m[2]] : [text, ''];
}

export function buildCards(latest, analytics) {
  const { cpu, memory, network, disk, load, system } = latest;
  const swap = swapBytes(memory);
  const swapPct = swapUsage(memory);
  return [
    {
      group: 'cpu',
      title: 'CPU',
      accent: '--m-cpu',
      main: formatPercent(cpu?.usage),
      caption: 'total usage',
      lines: [
        ['Cores', Array.isArray(cpu?.cores) ? String(cpu.cores.length) : DASH],
        analyticsLine(analytics, 'cpu.usage', (v) => formatPercent(v)),
      ],
    },
    {
      group: 'memory',
      title: 'Memory',
      accent: '--m-memory',
      main: formatPercent(memory?.usage),
      caption: 'in use',
      lines: [
        ['Used', `${formatBytes(memory?.used)} of ${formatBytes(memory?.total)}`],
        ['Available', formatBytes(memory?.available)],
        hasNoSwap(memory)
          ? ['Swap', 'no swap']
          : swap || swapPct != null
            ? ['Swap', swap ? `${formatBytes(swap.used)} of ${formatBytes(swap.total)}` : formatPercent(swapPct)]
            : null,
      ],
    },
    {
      group: 'network',
      title: 'Network',
      accent: '--m-network',
      main: formatRate(network?.rx_bps),
      caption: 'receive',
      lines: [
        ['Transmit', formatRate(network?.tx_bps)],
        network?.interfaces && typeof network.interfaces === 'object'
          ? ['Interfaces', String(Object.keys(network.interfaces).length)]
          : null,
      ],
    },
    {
      group: 'disk',
      title: 'Disk',
      accent: '--m-disk',
      main: formatRate(disk?.read_bps),
      caption: 'read',
      lines: [
        ['Write', formatRate(disk?.write_bps)],
      ],
    },
    {
      group: 'load',
      title: 'Load',
      accent: '--m-load',
      main: formatLoad(load?.['1m']),
      caption: '1 min average',
      lines: [
        ['5 min', formatLoad(load?.['5m'])],
        ['15 min', formatLoad(load?.['15m'])],
      ],
    },
    {
      group: 'system',
      title: 'System',
      accent: '--m-system',
      main: formatDuration(system?.uptime_s),
      caption: 'uptime',
      lines: [
        ['Processes', formatCount(system?.processes)],
      ],
    },
  ].map((c) => ({ ...c, lines: c.lines.filter(Boolean) }));
}

/** The main value of a card split for display: [number, unit] (the uptime is shown whole). */
export function cardValue(card) {
  if (card.main === DASH) return [DASH, ''];
  return card.group === 'system' ? [card.main, ''] : splitUnit(card.main);
}
