// HostCharts: the charts and history of one host of the fleet, from /api/history?host= (the
// host's samples in Redis Streams, so a stopped host still shows its past) and its live frames.

import { useEffect, useRef, useState } from 'react';
import { Chart, LineController, LineElement, LinearScale, PointElement } from 'chart.js';
import { formatBytes, formatLoad, formatPercent } from '../services/dashboardService.js';
import { historyUrl } from './fleetModel.js';
import { authHeaders } from '../lib/authToken.js';

Chart.register(LineController, LineElement, PointElement, LinearScale);

export const HOST_METRICS = Object.freeze([
  { metric: 'cpu.usage', title: 'CPU', fmt: (v) => formatPercent(v), pick: (f) => f?.cpu?.usage },
  { metric: 'memory.usage', title: 'Memory', fmt: (v) => formatPercent(v), pick: (f) => f?.memory?.usage },
  { metric: 'network.rx_bps', title: 'Network in', fmt: (v) => `${formatBytes(v)}/s`, pick: (f) => f?.network?.rx_bps },
  { metric: 'load.1m', title: 'Load 1m', fmt: (v) => formatLoad(v), pick: (f) => f?.load?.['1m'] },
]);

function HostChart({ spec, points }) {
  const canvas = useRef(null);
  const chart = useRef(null);
  useEffect(() => {
    if (!canvas.current) return undefined;
    chart.current = new Chart(canvas.current.getContext('2d'), {
      type: 'line',
      data: { datasets: [{ label: spec.title, data: [], pointRadius: 0, borderWidth: 1.5 }] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: false,
        scales: { x: { type: 'linear', ticks: { display: false } }, y: { beginAtZero: true } },
        plugins: { legend: { display: false } },
      },
    });
    return () => chart.current?.destroy();
  }, [spec.title]);
  useEffect(() => {
    if (!chart.current) return;
    chart.current.data.datasets[0].data = points.map(([x, y]) => ({ x, y }));
    chart.current.update('none');
  }, [points]);
  const last = points.length ? points[points.length - 1][1] : null;
  return (
    <figure className="fleet-chart">
      <figcaption>
        {spec.title} <span className="fleet-chart-value">{last == null ? '—' : spec.fmt(last)}</span>
      </figcaption>
      <div className="fleet-chart-canvas">
        <canvas ref={canvas} aria-label={`${spec.title} history`} />
      </div>
    </figure>
  );
}

/**
 * @param {object} props
 * @param {string} props.host
 * @param {object} [props.frame] the host's latest metrics frame
 * @param {number} [props.seconds] history span
 * @param {Function} [props.fetchImpl]
 */
export function HostCharts({ host, frame, seconds = 900, fetchImpl = globalThis.fetch }) {
  const [series, setSeries] = useState({});
  const [error, setError] = useState(null);
  useEffect(() => {
    let gone = false;
    setSeries({});
    setError(null);
    Promise.all(
      HOST_METRICS.map((s) =>
        // With auth on, /api/* needs the signed-in token.
        fetchImpl(historyUrl(host, s.metric, seconds), { headers: { Accept: 'application/json', ...authHeaders() } })
          .then((r) => r.json())
          .then((j) => [s.metric, Array.isArray(j.points) ? j.points : []]),
      ),
    )
      .then((all) => !gone && setSeries(Object.fromEntries(all)))
      .catch((e) => !gone && setError(String(e?.message ?? e)));
    return () => {
      gone = true;
    };
  }, [host, seconds, fetchImpl]);
  useEffect(() => {
    if (!frame || typeof frame.ts !== 'number') return;
    setSeries((prev) => {
      const next = { ...prev };
      for (const s of HOST_METRICS) {
        const v = s.pick(frame);
        const pts = next[s.metric] ?? [];
        if (typeof v === 'number' && (!pts.length || pts[pts.length - 1][0] < frame.ts))
          next[s.metric] = [...pts, [frame.ts, v]].slice(-2000);
      }
      return next;
    });
  }, [frame]);
  return (
    <section className="fleet-host" aria-label={`charts of ${host}`}>
      <h3>{host}</h3>
      {error && <p className="fleet-error">history unavailable: {error}</p>}
      <div className="fleet-charts">
        {HOST_METRICS.map((s) => (
          <HostChart key={s.metric} spec={s} points={series[s.metric] ?? []} />
        ))}
      </div>
    </section>
  );
}
