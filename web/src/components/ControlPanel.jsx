// ControlPanel: the toolbar at the top of the page — time range (presets and an absolute
// from–to), pause/resume and back to live, metric-group subscriptions, theme, and the
// connection tools (snapshot refresh, ping test).

import { useState } from 'react';
import { GROUPS, RANGES, formatClock, formatMs } from '../services/dashboardService.js';
import { formatDateTime } from '../lib/ticks.js';
import { toLocalInput } from '../lib/viewState.js';

function historyText(history, range, view, connected, shown) {
  let lead = '';
  if (history.status === 'loading') lead = `Loading ${range.label} of history… `;
  else if (history.status === 'error') lead = `History unavailable for ${range.label} · `;
  else if (history.status === 'done') lead = `${shown ?? history.points} points per series · `;
  if (view.mode === 'fixed') {
    const what = view.reason === 'paused' ? 'Paused' : view.reason === 'custom' ? 'Custom range' : 'Zoomed';
    return `${lead}${what}: ${formatDateTime(view.min)} – ${formatDateTime(view.max)}`;
  }
  if (history.status === 'loading') return lead.trim();
  return `${lead}${range.label}${connected ? ' · live' : ' · not live (disconnected)'}`;
}

function pingText(result) {
  if (!result) return 'Not measured yet';
  if (result.pending) return 'Measuring…';
  if (result.error) return `Failed: ${result.error}`;
  return `RTT ${formatMs(result.rtt)}`;
}

function CustomRange({ range, onCustom }) {
  const now = Date.now();
  const [from, setFrom] = useState(toLocalInput(range.from ?? now - 3600000));
  const [to, setTo] = useState(toLocalInput(range.to ?? now));
  const [error, setError] = useState(null);
  const submit = (e) => {
    e.preventDefault();
    const ok = onCustom(new Date(from).getTime(), new Date(to).getTime());
    setError(ok ? null : 'Pick a start before the end, within the last 7 days.');
  };
  return (
    <form className="custom-range" onSubmit={submit} aria-label="Custom time range">
      <label>
        From
        <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="range-from" required />
      </label>
      <label>
        To
        <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} data-testid="range-to" required />
      </label>
      <button type="submit" className="btn btn--small">
        Show
      </button>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

export function ControlPanel({
  enabled,
  onToggle,
  range,
  onRange,
  onCustom,
  history,
  view = { mode: 'live' },
  onPause,
  onLive,
  theme = 'system',
  onTheme,
  onRefresh,
  snapshotAt,
  onPing,
  pingResult,
  connected,
  shownPoints,
}) {
  const fixed = view.mode === 'fixed';
  const [more, setMore] = useState(false);
  return (
    <section className="toolbar" aria-labelledby="controls-title">
      <h2 id="controls-title" className="sr-only">
        Controls
      </h2>
      <div className="toolbar-row">
        <fieldset className="control-group">
          <legend>Time range</legend>
          <div className="segmented">
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
        </fieldset>
        <div className="control-group control-group--buttons">
          <button type="button" className="btn" onClick={onPause} aria-pressed={fixed && view.reason === 'paused'} data-testid="pause">
            {fixed ? 'Resume live' : 'Pause'}
          </button>
          {onCustom && (
            <details className="custom-details">
              <summary className="btn">Custom range</summary>
              <CustomRange range={range} onCustom={onCustom} />
            </details>
          )}
        </div>
        <p className="hint history-line" data-testid="history-status" data-status={history.status} data-range={history.range || ''} data-points={shownPoints ?? history.points ?? ''} data-ms={history.ms ?? ''} data-requests={history.requests ?? ''} data-batched={history.batched ? 'true' : 'false'}>
          {historyText(history, range, view, connected, shownPoints)}
          {fixed && onLive && (
            <button type="button" className="btn btn--link" onClick={onLive}>
              Back to live
            </button>
          )}
        </p>
        <button type="button" className="btn btn--small more-toggle" aria-expanded={more} aria-controls="more-controls" onClick={() => setMore((v) => !v)}>
          {more ? 'Fewer controls' : 'Groups, theme, tools'}
        </button>
      </div>
      <div className={`toolbar-row toolbar-row--more${more ? ' is-open' : ''}`} id="more-controls">
        <fieldset className="control-group">
          <legend>Metric groups</legend>
          <div className="toggles">
            {GROUPS.map((g) => (
              <label key={g.id} className="toggle" style={{ '--accent': `var(--m-${g.id})` }}>
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
        {onTheme && (
          <label className="control-group theme-select">
            <span className="legend-like">Theme</span>
            <select value={theme} onChange={(e) => onTheme(e.target.value)} data-testid="theme">
              <option value="system">System</option>
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </select>
          </label>
        )}
        <div className="control-actions">
          <button type="button" className="btn btn--small" onClick={onRefresh} disabled={!connected}>
            Refresh snapshot
          </button>
          <span className="hint">{snapshotAt ? `Updated ${formatClock(snapshotAt)}` : ''}</span>
          <button type="button" className="btn btn--small" onClick={onPing} disabled={!connected}>
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
