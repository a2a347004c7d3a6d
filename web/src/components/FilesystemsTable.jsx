// FilesystemsTable: every real mount with its space and inode use (metrics frame,
// disk.filesystems), fullest first, with a bar that turns amber at 85 % and red at 95 %.

import { bytes, percent } from '../lib/hostFormat.js';
import './hostTables.css';

function Bar({ value }) {
  if (value == null) return null;
  const level = value >= 95 ? ' bad' : value >= 85 ? ' warn' : '';
  return (
    <span className={`usage-bar${level}`} aria-hidden="true">
      <span style={{ width: `${Math.min(100, Math.max(0, value))}%` }} />
    </span>
  );
}

export function FilesystemsTable({ filesystems }) {
  const list = Array.isArray(filesystems) ? [...filesystems] : [];
  list.sort((a, b) => (b.usage ?? -1) - (a.usage ?? -1));
  return (
    // Focusable: the card scrolls sideways on narrow screens and has no other focusable content.
    <section className="host-table-card" data-testid="filesystems-table" tabIndex={0} aria-labelledby="filesystems-title">
      <h2 id="filesystems-title">Filesystems</h2>
      {list.length === 0 ? (
        <p className="muted">No filesystems reported.</p>
      ) : (
        <table className="host-table">
          <thead>
            <tr>
              <th>Mount</th>
              <th>Device</th>
              <th>Type</th>
              <th className="num">Size</th>
              <th className="num">Used</th>
              <th className="num">Free</th>
              <th>Use</th>
              <th className="num">Inodes</th>
            </tr>
          </thead>
          <tbody>
            {list.map((f) => (
              <tr key={f.mount} data-mount={f.mount}>
                <td className="name" title={f.mount}>{f.mount}</td>
                <td className="name" title={f.device}>{f.device}</td>
                <td>{f.type}</td>
                <td className="num">{bytes(f.size)}</td>
                <td className="num">{bytes(f.used)}</td>
                <td className="num">{bytes(f.available)}</td>
                <td>
                  <Bar value={f.usage} />
                  {percent(f.usage)}
                </td>
                <td className="num">{f.inodes ? percent(f.inodes_usage) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
