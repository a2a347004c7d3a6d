// ControlPanel: metric-group subscriptions, history range, snapshot refresh and ping test.

import { GROUPS, RANGES, formatClock, formatMs } from '../services/dashboardService.js';

function historyText(history, range) {
  switch (history.status) {
    case 'loading':
      return `Loading ${range.label} of history…`;
    case 'done':
      return `${range.label} · ${history.points} history points · live`;
    case 'error':
      return `History unavailable for ${range.label}`;
    default:
      return 'Live';
  }
}

function pingText(result) {
  if (!result) return 'Not measured yet';
  if (result.pending) return 'Measuring…';
  if (result.error) return `Failed: ${result.error}`;
  return `RTT ${formatMs(result.rtt)}`;
}

export function ControlPanel({
  enabled,
  onToggle,
  range,
  onRange,
  history,
  onRefresh,
  snapshotAt,
  onPing,
  pingResult,
  connected,
}) {
  return (
    <section className="panel control-panel" aria-labelledby="controls-title">
      <h2 id="controls-title" className="panel-title">
        Controls
      </h2>

      <fieldset className="control-group">
        <legend>Metric groups</legend>
        <div className="toggles">
          {GROUPS.map((g) => (
            <label key={g.id} className="toggle">
              <input
                type="checkbox"
                name={`group-${g.id}`}
                data-testid={`toggle-${g.id}`}
                checked={Boolean(enabled[g.id])}
                onChange={() => onToggle(g.id)}
              />
              <span className="toggle-track" aria-hidden="true" />
              <span className="toggle-label">{g.label}</span>
            </label>
          ))}
        </div>
      </fieldset>

      <fieldset className="control-group">
        <legend>History range</legend>
        <div className="segmented" role="radiogroup" aria-label="History range">
          {RANGES.map((r) => (
            <label key={r.id} className={`segment${r.id === range.id ? ' is-active' : ''}`}>
              <input
                type="radio"
                name="history-range"
                value={r.id}
                data-testid={`range-${r.id}`}
                checked={r.id === range.id}
                onChange={() => onRange(r.id)}
              />
              <span>{r.label}</span>
            </label>
          ))}
        </div>
        <p
          className="hint"
          data-testid="history-status"
          data-status={history.status}
          data-range={history.range || ''}
        >
          {historyText(history, range)}
        </p>
      </fieldset>

      <div className="control-actions">
        <div className="action">
          <button type="button" className="btn" onClick={onRefresh} disabled={!connected}>
            Refresh snapshot
          </button>
          <span className="hint">{snapshotAt ? `Updated ${formatClock(snapshotAt)}` : ' '}</span>
        </div>
        <div className="action">
          <button type="button" className="btn" onClick={onPing} disabled={!connected}>
            Ping test
          </button>
          <span className="hint" data-testid="ping-result">
            {pingText(pingResult)}
          </span>
        </div>
      </div>
    </section>
  );
}
