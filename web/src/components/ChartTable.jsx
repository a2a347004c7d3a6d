// ChartTable: a chart's values as a table (its text alternative on request).

import { formatDateTime } from '../lib/ticks.js';

export function ChartTable({ caption, series, fmt }) {
  const rows = new Map();
  series.forEach((s, col) => {
    for (const p of s.points) {
      if (!rows.has(p.x)) rows.set(p.x, new Array(series.length).fill(null));
      rows.get(p.x)[col] = p.y;
    }
  });
  const xs = [...rows.keys()].sort((a, b) => b - a);
  return (
    <div className="chart-table" tabIndex={0} role="region" aria-label={caption}>
      <table>
        <caption>{caption} (newest first, at most 60 rows)</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            {series.map((s) => (
              <th scope="col" key={s.label}>
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {xs.map((x) => (
            <tr key={x}>
              <th scope="row">{formatDateTime(x)}</th>
              {rows.get(x).map((v, i) => (
                <td key={series[i].label}>{v == null ? '—' : fmt(v)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
