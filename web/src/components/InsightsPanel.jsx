// InsightsPanel: alerts and anomalies from the `insights` channel, raised and cleared.

import { AlertItem } from './AlertItem.jsx';
import { activeAlerts, insightId, isResolved, resolutionsOf } from '../lib/alerts.js';

export function InsightsPanel({ insights }) {
  const active = activeAlerts(insights);
  const resolutions = resolutionsOf(insights);
  // The newest insight, read out by screen readers as it arrives.
  const newest = insights[0];
  const announce = newest
    ? `${isResolved(newest) ? 'Resolved' : newest.level || 'Info'}: ${newest.message || newest.metric}`
    : '';
  return (
    <section className="panel insights-panel" aria-labelledby="insights-title" data-testid="insights">
      <h2 id="insights-title" className="panel-title">
        Insights
        <span className={`pill${active.length ? ' pill--alert' : ''}`}>
          {active.length ? `${active.length} active` : 'All clear'}
        </span>
      </h2>
      <p className="sr-only" aria-live="polite" aria-atomic="true" data-testid="insight-announcer">
        {announce}
      </p>
      {insights.length === 0 ? (
        <p className="empty">No alerts or anomalies so far.</p>
      ) : (
        <ol className="insight-list" tabIndex={0} aria-labelledby="insights-title">
          {insights.slice(0, 30).map((i) => (
            <AlertItem key={insightId(i)} insight={i} resolution={resolutions.get(i.seq)} />
          ))}
        </ol>
      )}
    </section>
  );
}
