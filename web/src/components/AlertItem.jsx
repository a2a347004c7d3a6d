// AlertItem: one insight in the insights panel — its level, the daemon's message in words, when
// it happened, and whether it is resolved (a resolution, or a raised alert a later one ended).

import { formatMetricValue } from '../services/dashboardService.js';
import { formatWhen, isResolved } from '../lib/alerts.js';

export function AlertItem({ insight, resolution, now }) {
  const resolved = isResolved(insight);
  const ended = !resolved && Boolean(resolution);
  const level = insight.level || 'info';
  const state = resolved ? 'resolved' : ended ? 'ended' : 'raised';
  const tone = resolved ? 'cleared' : level;
  return (
    <li className={`insight insight--${tone}`} data-state={state} data-testid="alert">
      <span className={`level level--${tone}`}>{resolved ? 'resolved' : level}</span>
      <div className="insight-body">
        <p className="insight-message">{insight.message || insight.metric}</p>
        <p className="insight-meta">
          {ended && <span className="level level--cleared">resolved {formatWhen(resolution.ts, now)}</span>}
          {insight.metric && <code>{insight.metric}</code>}
          {!resolved && insight.value != null && <span>{formatMetricValue(insight.metric, insight.value)}</span>}
          {resolved && Number.isFinite(insight.raised_ts) && (
            <span>raised {formatWhen(insight.raised_ts, now)}</span>
          )}
          <time dateTime={Number.isFinite(insight.ts) ? new Date(insight.ts).toISOString() : undefined}>
            {formatWhen(insight.ts, now)}
          </time>
        </p>
      </div>
    </li>
  );
}
