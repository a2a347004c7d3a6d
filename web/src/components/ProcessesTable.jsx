// ProcessesTable: the top processes by CPU and by memory (the metrics.processes frame),
// merged into one table that sorts by any column (click a header; again to reverse).

import { useMemo, useState } from 'react';
import { bytes, processRows, since, sortRows, STATES } from '../lib/hostFormat.js';
import './hostTables.css';

const COLUMNS = [
  { key: 'pid', label: 'PID', num: true },
  { key: 'name', label: 'Name' },
  { key: 'user', label: 'User' },
  { key: 'state', label: 'State' },
  { key: 'cpu', label: 'CPU %', num: true },
  { key: 'rss', label: 'Memory', num: true },
  { key: 'threads', label: 'Threads', num: true },
  { key: 'start', label: 'Started', num: true },
];

function cell(key, row, now) {
  switch (key) {
    case 'cpu':
      return row.cpu == null ? '—' : row.cpu.toFixed(1);
    case 'rss':
      return bytes(row.rss);
    case 'state':
      return STATES[row.state] || row.state;
    case 'start':
      return since(row.start, now);
    case 'user':
      return row.user ?? '—';
    default:
      return String(row[key] ?? '—');
  }
}

export function ProcessesTable({ frame, now }) {
  const [sort, setSort] = useState({ key: 'cpu', dir: 'desc' });
  const rows = useMemo(() => sortRows(processRows(frame), sort.key, sort.dir), [frame, sort]);
  const onSort = (key) =>
    setSort((s) => (s.key === key ? { key, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: key === 'name' || key === 'user' ? 'asc' : 'desc' }));
  const at = now ?? frame?.ts ?? Date.now();
  return (
    <section className="host-table-card" data-testid="processes-table">
      <h2>
        Processes
        {frame && (
          <span className="muted">
            top {rows.length} of {frame.total} · every {Math.round((frame.period_ms || 5000) / 1000)} s
          </span>
        )}
      </h2>
      {!frame ? (
        <p className="muted">Waiting for the first process list…</p>
      ) : (
        <table className="host-table">
          <thead>
            <tr>
              {COLUMNS.map((c) => (
                <th
                  key={c.key}
                  className={c.num ? 'num' : undefined}
                  aria-sort={sort.key === c.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
                >
                  <button type="button" onClick={() => onSort(c.key)}>
                    {c.label}
                    {sort.key === c.key ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.pid} data-pid={r.pid}>
                {COLUMNS.map((c) => (
                  <td key={c.key} className={c.num ? 'num' : c.key === 'name' ? 'name' : undefined} title={c.key === 'name' ? r.name : undefined}>
                    {cell(c.key, r, at)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
