// Dashboard: the page layout — header, toolbar, value cards, charts and insights.
// It renders what usePulseDashboard gives it and holds no socket state of its own.
// Adding a panel: put it in the charts grid (a <figure className="chart-card">) or in
// the "extra panels" slot below the charts.

import { Suspense, lazy, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { CHARTS, hasNoSwap } from '../services/dashboardService.js';
import { useChartColors } from '../hooks/useChartColors.js';
import { ConnectionStatus } from './ConnectionStatus.jsx';
import { ControlPanel } from './ControlPanel.jsx';
import { FleetPanel } from '../fleet/FleetPanel.jsx';
import { InsightsPanel } from './InsightsPanel.jsx';
import { LiveState } from './LiveState.jsx';
import { MetricCards } from './MetricCards.jsx';
import { Notifications } from './Notifications.jsx';
import { TokenPrompt } from './TokenPrompt.jsx';
import { HostIdentity } from './HostIdentity.jsx';
import { ProcessesTable } from './ProcessesTable.jsx';
import { FilesystemsTable } from './FilesystemsTable.jsx';
import { SessionBadge } from './SessionBadge.jsx';

// Chart.js, its zoom plugin and hammerjs are loaded after the first values are on screen: the
// cards do not wait for the chart code to be fetched, parsed and the charts built (measured: the
// chart chunks and six Chart.js instances kept the main thread busy for 300 ms while the
// snapshot reply waited in the socket). See useChartsGate.
const MetricsChart = lazy(() => import('./MetricsChart.jsx').then((m) => ({ default: m.MetricsChart })));
const CoreHeatmap = lazy(() => import('./CoreHeatmap.jsx').then((m) => ({ default: m.CoreHeatmap })));

const NO_SWAP = [{ key: 'memory.swap_usage', note: 'no swap' }];

function ChartFallback({ title }) {
  return (
    <figure className="chart-card chart-card--loading" aria-busy="true">
      <figcaption className="chart-head">
        <h3 className="chart-title">{title}</h3>
      </figcaption>
      <div className="chart-canvas" />
    </figure>
  );
}

/** Reports the chart width (px) so history is fetched at one point per pixel. */
function useChartWidth(ref, onWidth) {
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || !onWidth) return undefined;
    const measure = () => {
      const w = el.getBoundingClientRect().width;
      if (w > 0) onWidth(w);
    };
    measure();
    const RO = globalThis.ResizeObserver;
    if (!RO) return undefined;
    const ro = new RO(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref, onWidth]);
}

/** Cards first: true once the first values have been painted (or after `fallbackMs`, when no
 * values come, e.g. while the sign-in prompt is up); the charts and the fleet panel, with their
 * code, are mounted only then. */
export function useChartsGate(lastUpdateAt, fallbackMs = 1500) {
  const [ready, setReady] = useState(false);
  useEffect(() => {
    if (ready) return undefined;
    const open = () => setReady(true);
    if (lastUpdateAt) {
      // After the frame that paints the cards: its mark is set first, then the charts come.
      const raf = globalThis.requestAnimationFrame;
      if (!raf) {
        open();
        return undefined;
      }
      let t = null;
      const id = raf(() => {
        t = setTimeout(open, 0);
      });
      return () => {
        globalThis.cancelAnimationFrame?.(id);
        clearTimeout(t);
      };
    }
    const t = setTimeout(open, fallbackMs);
    return () => clearTimeout(t);
  }, [lastUpdateAt, ready, fallbackMs]);
  return ready;
}

export function Dashboard(props) {
  const {
    status,
    reconnectNow,
    enabled,
    toggleGroup,
    range,
    selectRange,
    selectCustomRange,
    view = { mode: 'live' },
    xMin,
    xMax,
    setViewRange,
    backToLive,
    paused,
    togglePause,
    setResolution,
    theme,
    resolvedTheme,
    setTheme,
    sync,
    coreCount = 0,
    lastUpdateAt,
    shownPoints,
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
  const colors = useChartColors(resolvedTheme);
  const connected = status.state === 'open';
  const stale = !connected;
  const welcome = status.welcome;
  const measureRef = useRef(null);
  useChartWidth(measureRef, setResolution);
  // For the browser test's speed figures: when the first values reach the screen.
  const marked = useRef(false);
  useEffect(() => {
    if (marked.current || !lastUpdateAt) return;
    marked.current = true;
    // The first-paint script (boot/boot.js) has set it when it painted the values first.
    if (globalThis.performance?.getEntriesByName?.('pulse:first-metric')?.length) return;
    globalThis.requestAnimationFrame?.(() => globalThis.performance?.mark?.('pulse:first-metric'));
  }, [lastUpdateAt]);
  const chartsReady = useChartsGate(lastUpdateAt);
  // A host without swap: the memory chart says so (as the card does) instead of a flat 0 % line.
  const absentOf = (id) => (id === 'memory' && hasNoSwap(latest?.memory) ? NO_SWAP : undefined);
  const chartProps = {
    store,
    revision,
    xMin,
    xMax,
    colors,
    sync,
    onView: setViewRange,
    onLive: backToLive,
    liveMax: store.latestTs ?? Date.now(),
  };

  return (
    <div className={`app${stale ? ' is-stale' : ''}`} data-stale={stale ? 'true' : 'false'}>
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
            {connected && server?.connections != null && ` · ${server.connections} connected`}
          </span>
          <HostIdentity host={host} />
        </div>
        <LiveState stale={stale} lastUpdateAt={lastUpdateAt} paused={paused} />
        <SessionBadge user={auth.user} roles={auth.roles} onSignOut={signOut} />
        <ConnectionStatus status={status} onRetry={reconnectNow} />
      </header>

      <Notifications items={notifications} onDismiss={dismiss} />

      <ControlPanel
        enabled={enabled}
        onToggle={toggleGroup}
        range={range}
        onRange={selectRange}
        onCustom={selectCustomRange}
        history={history}
        view={view}
        onPause={() => togglePause?.({ min: xMin, max: xMax })}
        onLive={backToLive}
        theme={theme}
        onTheme={setTheme}
        onRefresh={refreshSnapshot}
        snapshotAt={snapshotAt}
        onPing={pingTest}
        pingResult={pingResult}
        connected={connected}
        shownPoints={shownPoints}
      />

      <main className="layout">
        {chartsReady && <FleetPanel />}
        <section aria-labelledby="now-title">
          <h2 id="now-title" className="sr-only">
            Current values
          </h2>
          <MetricCards latest={latest} lastTs={lastTs} enabled={enabled} analytics={analytics} />
        </section>
        <section aria-labelledby="charts-title">
          <h2 id="charts-title" className="sr-only">
            Charts
          </h2>
          <p className="sr-only">
            Drag across a chart to zoom to a time span, Shift and drag to pan, Ctrl and the mouse wheel or a pinch to
            zoom; on a focused chart the arrow keys pan and plus and minus zoom.
          </p>
          <div className="charts-grid">
            {CHARTS.map((c, i) => (
              <div key={c.id} className="chart-slot" ref={i === 0 ? measureRef : undefined}>
                {chartsReady ? (
                  <Suspense fallback={<ChartFallback title={c.title} />}>
                    <MetricsChart chart={c} paused={!enabled[c.group]} absent={absentOf(c.id)} {...chartProps} />
                  </Suspense>
                ) : (
                  <ChartFallback title={c.title} />
                )}
              </div>
            ))}
            <div className="chart-slot chart-slot--wide">
              {chartsReady ? (
                <Suspense fallback={<ChartFallback title="CPU per core" />}>
                  <CoreHeatmap cores={coreCount} paused={!enabled.cpu} {...chartProps} />
                </Suspense>
              ) : (
                <ChartFallback title="CPU per core" />
              )}
            </div>
          </div>
        </section>
        <div className="extra-panels">
          <ProcessesTable frame={processes} />
          <FilesystemsTable filesystems={latest?.disk?.filesystems} />
        </div>
        <InsightsPanel insights={insights} />
      </main>

      {auth.needed && <TokenPrompt error={auth.error} onSubmit={submitToken} />}
    </div>
  );
}
