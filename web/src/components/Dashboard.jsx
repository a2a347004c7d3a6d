// Dashboard: the page layout — header, controls, value cards, charts and insights.
// It renders what usePulseDashboard gives it and holds no socket state of its own.

import { CHARTS } from '../services/dashboardService.js';
import { useChartColors } from '../hooks/useChartColors.js';
import { ConnectionStatus } from './ConnectionStatus.jsx';
import { ControlPanel } from './ControlPanel.jsx';
import { FleetPanel } from '../fleet/FleetPanel.jsx';
import { InsightsPanel } from './InsightsPanel.jsx';
import { MetricCards } from './MetricCards.jsx';
import { MetricsChart } from './MetricsChart.jsx';
import { Notifications } from './Notifications.jsx';
import { TokenPrompt } from './TokenPrompt.jsx';
import { HostIdentity } from './HostIdentity.jsx';
import { ProcessesTable } from './ProcessesTable.jsx';
import { FilesystemsTable } from './FilesystemsTable.jsx';
import { SessionBadge } from './SessionBadge.jsx';

export function Dashboard(props) {
  const {
    status,
    reconnectNow,
    enabled,
    toggleGroup,
    range,
    selectRange,
    history,
    refreshSnapshot,
    snapshotAt,
    pingTest,
    pingResult,
    latest,
    lastTs,
    analytics,
    server,
    store,
    revision,
    insights,
    notifications,
    dismiss,
    auth,
    submitToken,
    processes,
    host,
    signOut,
  } = props;
  const colors = useChartColors();
  const connected = status.state === 'open';
  const welcome = status.welcome;

  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            <svg viewBox="0 0 24 24" width="22" height="22">
              <path d="M2 12h4l3-8 4 16 3-8h6" fill="none" stroke="currentColor" strokeWidth="2.2" strokeLinecap="round" strokeLinejoin="round" />
            </svg>
          </span>
          <h1>Pulse</h1>
          <span className="brand-sub">
            {welcome?.server || 'system dashboard'}
            {server?.connections != null && ` · ${server.connections} connected`}
          </span>
          <HostIdentity host={host} />
        </div>
        <SessionBadge user={auth.user} roles={auth.roles} onSignOut={signOut} />
        <ConnectionStatus status={status} onRetry={reconnectNow} />
      </header>

      <Notifications items={notifications} onDismiss={dismiss} />

      <main className="layout">
        <div className="main-column">
          <FleetPanel />
          <MetricCards latest={latest} lastTs={lastTs} enabled={enabled} analytics={analytics} />
          <div className="charts-grid">
            {CHARTS.map((c) => (
              <MetricsChart
                key={c.id}
                chart={c}
                store={store}
                revision={revision}
                windowMs={range.seconds * 1000}
                colors={colors}
                paused={!enabled[c.group]}
              />
            ))}
          </div>
          <ProcessesTable frame={processes} />
          <FilesystemsTable filesystems={latest?.disk?.filesystems} />
        </div>
        <aside className="side-column">
          <ControlPanel
            enabled={enabled}
            onToggle={toggleGroup}
            range={range}
            onRange={selectRange}
            history={history}
            onRefresh={refreshSnapshot}
            snapshotAt={snapshotAt}
            onPing={pingTest}
            pingResult={pingResult}
            connected={connected}
          />
          <InsightsPanel insights={insights} />
        </aside>
      </main>

      {auth.needed && <TokenPrompt error={auth.error} onSubmit={submitToken} />}
    </div>
  );
}
