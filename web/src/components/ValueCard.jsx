// ValueCard: one metric group's current numbers.

import { VALUE_TIMING } from '../services/cards.js';
import { formatClock } from '../services/dashboardService.js';

export function ValueCard({ group, title, value, unit, caption, lines = [], ts, paused, accent }) {
  return (
    <section
      className={`card value-card${paused ? ' is-paused' : ''}`}
      data-testid={`card-${group}`}
      data-ts={ts ?? ''}
      style={accent ? { '--accent': `var(${accent})` } : undefined}
      aria-label={title}
    >
      <header className="card-head">
        <h3 className="card-title">{title}</h3>
        {paused ? (
          <span className="badge">Paused</span>
        ) : (
          <time className="card-time" dateTime={ts ? new Date(ts).toISOString() : undefined}>
            {ts ? formatClock(ts) : ''}
          </time>
        )}
      </header>
      {/* elementtiming: the browser reports when the value was painted (web/e2e/paint.mjs) */}
      <p className="card-value" data-testid={`value-${group}`} elementtiming={VALUE_TIMING}>
        {value}
        {unit && <span className="card-unit">{unit}</span>}
      </p>
      {caption && <p className="card-caption">{caption}</p>}
      <ul className="card-lines">
        {lines.map(([label, text]) => (
          <li key={label}>
            <span className="card-line-label">{label}</span>
            <span className="card-line-value">{text}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
