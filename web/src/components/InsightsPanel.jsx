// InsightsPanel: alerts and anomalies from the `insights` channel, raised and cleared.

import { AlertItem } from './AlertItem.jsx';
import { activeAlerts, insightId, resolutionsOf } from '../lib/alerts.js';

export function InsightsPanel({ insights }) {
  const active = activeAlerts(insights);
  const resolutions = resolutionsOf(insights);
  return (
    <section className="panel insights-panel" aria-labelledby="insights-title" data-testid="insights">
      <h2 id="insights-title" className="panel-title">
        Insights
        <span className={`pill${active.length ? ' pill--alert' : ''}`}>
          {active.length ? `${active.length} active` : 'All clear'}
        </span>
      </h2>
      {insights.length === 0 ? (
        <p className="empty">No alerts or anomalies so far.</p>
      ) : (
        <ol className="insight-list">
          {insights.slice(0, 30).map((i) => (
            <AlertItem key={insightId(i)} insight={i} resolution={resolutions.get(i.seq)} />
          ))}
        </ol>
      )}
    </section>
  );
}
