// InsightsPanel: alerts and anomalies from the `insights` channel, raised and cleared.

import {
  activeAlerts,
  formatClock,
  formatMetricValue,
  isCleared,
} from '../services/dashboardService.js';

function InsightItem({ insight }) {
  const cleared = isCleared(insight);
  const level = cleared ? 'cleared' : insight.level || 'info';
  return (
    <li className={`insight insight--${level}`}>
      <span className={`level level--${level}`}>{cleared ? 'cleared' : insight.level || 'info'}</span>
      <div className="insight-body">
        <p className="insight-message">{insight.message || insight.metric}</p>
        <p className="insight-meta">
          {insight.metric && <code>{insight.metric}</code>}
          {insight.value != null && <span>{formatMetricValue(insight.metric, insight.value)}</span>}
          <time>{formatClock(insight.ts)}</time>
        </p>
      </div>
    </li>
  );
}

export function InsightsPanel({ insights }) {
  const active = activeAlerts(insights);
  const newest = insights[0];
  const announce = newest
    ? `${isCleared(newest) ? 'Cleared' : newest.level || 'Info'}: ${newest.message || newest.metric}`
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
            <InsightItem key={`${i.ts}|${i.metric}|${i.level}|${i.message}`} insight={i} />
          ))}
        </ol>
      )}
    </section>
  );
}
