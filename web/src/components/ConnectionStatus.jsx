// ConnectionStatus: the socket's state as text, the retry schedule and the round-trip time.

import { useNow } from '../hooks/useNow.js';
import { formatClock, formatMs } from '../services/dashboardService.js';

const LABELS = {
  connecting: 'Connecting',
  open: 'Connected',
  reconnecting: 'Reconnecting',
  offline: 'Offline',
};

export function connectionLabel(state) {
  return LABELS[state] || 'Offline';
}

export function ConnectionStatus({ status, onRetry }) {
  const { state, attempt, nextRetryAt, rtt } = status;
  const now = useNow(500, state === 'reconnecting' && Boolean(nextRetryAt));
  let detail = null;
  if (state === 'reconnecting') {
    const wait = nextRetryAt ? Math.max(0, Math.ceil((nextRetryAt - now) / 1000)) : 0;
    detail = nextRetryAt
      ? `attempt ${attempt} · next try at ${formatClock(nextRetryAt)} (in ${wait} s)`
      : `attempt ${attempt} · trying now`;
  } else if (state === 'open' && rtt != null) {
    detail = `RTT ${formatMs(rtt)}`;
  } else if (state === 'offline') {
    detail = 'not connected';
  }
  return (
    <div className={`connection connection--${state}`} role="status" aria-live="polite">
      <span className="connection-dot" aria-hidden="true" />
      <span className="connection-state" data-testid="connection-state">
        {connectionLabel(state)}
      </span>
      {detail && (
        <span className="connection-detail" data-testid="connection-detail">
          {detail}
        </span>
      )}
      {(state === 'reconnecting' || state === 'offline') && onRetry && (
        <button type="button" className="btn btn--small" onClick={onRetry}>
          Retry now
        </button>
      )}
    </div>
  );
}
