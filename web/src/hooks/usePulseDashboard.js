// usePulseDashboard: everything the dashboard shows that comes over the socket — latest
// values, chart series, insights, notifications — and the actions of the control panel.
// Components receive this as props and only render it.

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useWebSocket, defaultSocketUrl } from './useWebSocket.js';
import { useAuthSession, AUTH_CLOSE_CODE } from './useAuthSession.js';
import { useTheme } from './useTheme.js';
import { SeriesStore, countValues } from '../lib/seriesStore.js';
import { ChartSync } from '../lib/chartSync.js';
import { formatView, parseView } from '../lib/viewState.js';
import { fetchHistory, historyPoints, historySeconds } from '../services/historyService.js';
import {
  GROUPS,
  HISTORY_METRICS,
  MAX_HISTORY_SECONDS,
  RANGES,
  coreMetrics,
  groupChannel,
  seriesValues,
} from '../services/dashboardService.js';
import { loadInsightsPreferHttp, mergeAlerts } from '../lib/alerts.js';
import { fetchInsights } from '../lib/api.js';

const MAX_INSIGHTS = 100;
const MAX_NOTIFICATIONS = 5;
const ALL_ON = Object.fromEntries(GROUPS.map((g) => [g.id, true]));

const mergeInsights = (current, incoming) => mergeAlerts(current, incoming, MAX_INSIGHTS);

function initialView() {
  const loc = globalThis.location;
  return parseView(loc?.search || '', { ranges: RANGES, groups: GROUPS, maxSeconds: MAX_HISTORY_SECONDS });
}

/**
 * The dashboard's first state from the snapshot the first-paint script (boot/boot.js) painted,
 * so React's first render shows the same values (null without one). Like a snapshot reply: only
 * the enabled groups.
 */
function bootState(snapshot, enabled) {
  const m = snapshot?.metrics;
  if (!m || typeof m !== 'object') return null;
  const groups = GROUPS.map((g) => g.id).filter((g) => m[g] && typeof m[g] === 'object' && enabled[g]);
  const ts = m.ts ?? snapshot.ts;
  const at = (value) => Object.fromEntries(groups.map((g) => [g, value]));
  return {
    latest: Object.fromEntries(groups.map((g) => [g, m[g]])),
    groups,
    ts: Number.isFinite(ts) ? ts : null,
    lastTs: Number.isFinite(ts) ? at(ts) : {},
    analytics: snapshot.analytics && typeof snapshot.analytics === 'object' ? snapshot.analytics : {},
    insights: Array.isArray(snapshot.insights) ? mergeInsights([], snapshot.insights) : [],
    server: snapshot.server || null,
    host: snapshot.host || null,
    cores: Array.isArray(m.cpu?.cores) ? m.cpu.cores.length : 0,
    at: Date.now(),
  };
}

/** Shortest x span a chart shows while live (a young daemon's data is not a one-pixel sliver). */
const MIN_SPAN_MS = 30000;

export function usePulseDashboard({ url, clientOptions, fetchImpl } = {}) {
  const socketUrl = url || defaultSocketUrl();
  const [initial] = useState(initialView);
  const { theme, resolvedTheme, setTheme } = useTheme(initial.theme);
  const [enabled, setEnabled] = useState(() => initial.groups || ALL_ON);
  // The selected range: a preset id, or 'custom' with from/to (ms).
  const [rangeSel, setRangeSel] = useState(() => ({ id: initial.range, from: initial.from, to: initial.to }));
  // What the charts show: following live data, or a fixed [min, max] (paused, zoomed, custom).
  const [view, setView] = useState(() =>
    initial.range === 'custom' ? { mode: 'fixed', reason: 'custom', min: initial.from, max: initial.to } : { mode: 'live' },
  );
  const [boot] = useState(() => bootState(clientOptions?.boot?.snapshot, initial.groups || ALL_ON));
  const [latest, setLatest] = useState(() => boot?.latest || {});
  const [lastTs, setLastTs] = useState(() => boot?.lastTs || {});
  const [lastUpdateAt, setLastUpdateAt] = useState(() => boot?.at ?? null);
  const [revision, setRevision] = useState(0);
  const [insights, setInsights] = useState(() => boot?.insights || []);
  const [notifications, setNotifications] = useState([]);
  const [analytics, setAnalytics] = useState(() => boot?.analytics || {});
  const [server, setServer] = useState(() => boot?.server ?? null);
  const [history, setHistory] = useState({ status: 'idle' });
  const [pingResult, setPingResult] = useState(null);
  const [snapshotAt, setSnapshotAt] = useState(() => boot?.at ?? null);
  const session = useAuthSession();
  const [processes, setProcesses] = useState(null);
  const [host, setHost] = useState(() => boot?.host ?? null);
  const [coreCount, setCoreCount] = useState(() => boot?.cores || 0);

  const rangeOf = (sel) => (sel.id === 'custom' ? { id: 'custom', label: 'Custom', from: sel.from, to: sel.to } : RANGES.find((r) => r.id === sel.id) || RANGES[0]);
  const windowOf = (sel) => historySeconds(rangeOf(sel), Date.now(), MAX_HISTORY_SECONDS) * 1000;

  const storeRef = useRef(null);
  if (!storeRef.current) {
    storeRef.current = new SeriesStore({ windowMs: windowOf(rangeSel), resolution: 600 });
    if (boot?.ts != null) {
      const part = Object.fromEntries(boot.groups.map((g) => [g, boot.latest[g]]));
      for (const [key, value] of seriesValues(part)) storeRef.current.push(key, boot.ts, value);
    }
  }
  const store = storeRef.current;
  const syncRef = useRef(null);
  if (!syncRef.current) syncRef.current = new ChartSync();
  const historyGen = useRef(0);
  const historyState = useRef({});
  const resolutionRef = useRef(600);
  const noteSeq = useRef(0);
  const enabledRef = useRef(enabled);
  enabledRef.current = enabled;
  const rangeRef = useRef(rangeSel);
  rangeRef.current = rangeSel;
  const coreRef = useRef(boot?.cores || 0);

  // ---- notifications ------------------------------------------------------------------------
  const notify = useCallback((note) => {
    setNotifications((list) => {
      const key = note.key || `${note.kind}:${note.message}`;
      const same = list.find((n) => n.key === key);
      if (same) return list.map((n) => (n === same ? { ...n, count: n.count + 1, at: Date.now() } : n));
      noteSeq.current += 1;
      const next = [...list, { ...note, key, id: noteSeq.current, count: 1, at: Date.now() }];
      return next.slice(-MAX_NOTIFICATIONS);
    });
  }, []);
  const dismiss = useCallback((id) => setNotifications((l) => l.filter((n) => n.id !== id)), []);

  // ---- incoming frames ----------------------------------------------------------------------
  const applySample = useCallback(
    (sample, ts, onlyEnabled) => {
      const groups = GROUPS.map((g) => g.id).filter(
        (g) => sample[g] && typeof sample[g] === 'object' && (!onlyEnabled || enabledRef.current[g]),
      );
      if (!groups.length) return;
      setLatest((prev) => {
        const next = { ...prev };
        for (const g of groups) next[g] = sample[g];
        return next;
      });
      setLastUpdateAt(Date.now());
      const cores = sample.cpu?.cores;
      if (Array.isArray(cores) && cores.length !== coreRef.current) {
        coreRef.current = cores.length;
        setCoreCount(cores.length);
      }
      if (Number.isFinite(ts)) {
        setLastTs((prev) => {
          const next = { ...prev };
          for (const g of groups) next[g] = ts;
          return next;
        });
        const part = Object.fromEntries(groups.map((g) => [g, sample[g]]));
        for (const [key, value] of seriesValues(part)) store.push(key, ts, value);
        setRevision((r) => r + 1);
      }
    },
    [store],
  );
  const onMessage = useCallback(
    (msg) => {
      switch (msg.type) {
        case 'metrics':
          applySample(msg, msg.ts, false);
          break;
        case 'insight':
          setInsights((list) => mergeInsights(list, [msg]));
          break;
        case 'processes':
          setProcesses(msg);
          break;
        case 'snapshot':
          if (msg.metrics) applySample(msg.metrics, msg.metrics.ts ?? msg.ts, true);
          if (msg.analytics && typeof msg.analytics === 'object') setAnalytics(msg.analytics);
          if (Array.isArray(msg.insights)) setInsights((list) => mergeInsights(list, msg.insights));
          if (msg.server) setServer(msg.server);
          if (msg.host) setHost(msg.host);
          setSnapshotAt(Date.now());
          break;
        default:
          break;
      }
    },
    [applySample],
  );

  const onError = useCallback(
    (err) => {
      if (session.onError(err)) return; // the token expired: the sign-in prompt says so
      if (err.kind === 'server') {
        notify({ kind: 'server', level: 'error', message: `${err.code}: ${err.message || 'server error'}` });
      } else if (err.kind === 'connect' || err.kind === 'closed' || err.kind === 'heartbeat') {
        notify({ kind: 'connection', level: 'warning', key: `connection:${err.kind}`, message: err.message });
      } else {
        notify({ kind: err.kind || 'client', level: 'error', message: err.message });
      }
    },
    [notify, session.onError],
  );

  // ---- auth (useAuthSession) ---------------------------------------------------------------
  const { getToken, onAuth } = session;

  // ---- socket -------------------------------------------------------------------------------
  const channels = useMemo(
    () => [...GROUPS.filter((g) => enabled[g.id]).map((g) => groupChannel(g.id)), 'insights', 'metrics.processes'],
    [enabled],
  );

  const loadHistoryRef = useRef(null);
  const socket = useWebSocket(socketUrl, {
    ...clientOptions,
    channels,
    getToken,
    onMessage,
    onError,
    onAuth,
    onOpen: () => {
      setNotifications((l) => l.filter((n) => n.kind !== 'connection'));
      // The reply reaches onMessage like any frame; only failures matter here.
      socket.request({ type: 'snapshot' }).catch(() => {});
      // What happened before this page was open (a daemon without insight history: nothing).
      // Over the HTTP API with the Bearer token (the socket when that fails).
      const overHttp = (range) => fetchInsights(range, fetchImpl ? { fetchImpl } : undefined);
      loadInsightsPreferHttp(socket.request, overHttp).then((l) => setInsights((c) => mergeInsights(c, l)), () => {});
      loadHistoryRef.current?.(rangeRef.current, enabledRef.current);
    },
  });
  const { request } = socket;
  session.bindRestart(() => {
    const client = socket.clientRef.current;
    client?.handleClose({ code: AUTH_CLOSE_CODE, reason: 'unauthorized' });
    client?.reconnectNow();
  });

  // ---- history ------------------------------------------------------------------------------
  /** One (batched) history request for the range and the enabled groups (or only `metrics`). */
  const loadHistory = useCallback(
    async (sel, groups, { metrics } = {}) => {
      const range = rangeOf(sel);
      const cores = groups.cpu ? coreMetrics(coreRef.current) : [];
      const all = [...HISTORY_METRICS.filter((h) => groups[h.group]).map((h) => h.metric), ...cores];
      const wanted = metrics ? all.filter((m) => metrics.includes(m)) : all;
      if (!wanted.length) return;
      const partial = Boolean(metrics); // a re-enabled group or new cores: no change to the status
      const gen = partial ? historyGen.current : ++historyGen.current;
      const started = globalThis.performance?.now?.() ?? Date.now();
      const seconds = historySeconds(range, Date.now(), MAX_HISTORY_SECONDS);
      const shownMs = range.from != null ? range.to - range.from : null;
      const points = historyPoints(resolutionRef.current, seconds, shownMs);
      if (!partial) setHistory((h) => ({ ...h, status: 'loading', range: range.id }));
      let result;
      try {
        result = await fetchHistory(request, { metrics: wanted, seconds, points }, historyState.current);
      } catch (err) {
        result = { series: {}, failed: wanted.map((metric) => ({ metric, code: err?.code || 'no reply' })), requests: 1 };
      }
      if (gen !== historyGen.current || rangeRef.current !== sel) return; // superseded
      let series = 0;
      const merge = (res) => {
        for (const [metric, reply] of Object.entries(res.series)) {
          if (!reply || !Array.isArray(reply.points)) continue;
          store.mergeHistory(metric, reply.points, reply.step_ms || 0);
          series += 1;
        }
      };
      merge(result);
      // A daemon younger than a quarter of the range: its few coarse points again, at one point
      // per pixel of the time it covers (a second request, only while the history is short).
      const covered = store.coveredMs(wanted);
      if (!partial && seconds > 120 && covered >= 10000 && covered * 4 < seconds * 1000) {
        store.fitSpan(covered * 1.25);
        const fine = Math.min(seconds, Math.ceil((covered * 1.25) / 1000) + 2);
        try {
          const again = await fetchHistory(request, { metrics: wanted, seconds: fine, points: resolutionRef.current }, historyState.current);
          if (gen !== historyGen.current || rangeRef.current !== sel) return;
          // Merged like any history: it replaces the points of its span, and live points from
          // before it (e.g. before a daemon restart) stay, with the break between them.
          series = 0;
          merge(again);
          result = { ...result, requests: result.requests + again.requests };
        } catch {
          /* keep the coarse points */
        }
      }
      setRevision((v) => v + 1);
      if (!partial) {
        const shown = countValues(store.get(wanted[0]));
        const ms = Math.round((globalThis.performance?.now?.() ?? Date.now()) - started);
        const status = result.failed.length && !series ? 'error' : 'done';
        setHistory({ status, range: range.id, points: shown, series, failed: result.failed, requests: result.requests, batched: result.batched, ms });
      }
      const failed = result.failed.filter((f) => !f.metric.startsWith('cpu.cores.'));
      if (failed.length) {
        const names = failed.map((f) => f.metric).join(', ');
        notify({ kind: 'history', level: 'warning', message: `No history could be loaded for ${names}. Live values still come in.` });
      }
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [request, store, notify],
  );
  loadHistoryRef.current = loadHistory;

  // Per-core history as soon as the number of cores is known (the first frame tells).
  useEffect(() => {
    if (coreCount > 0 && enabledRef.current.cpu && socket.status.state === 'open') {
      loadHistory(rangeRef.current, enabledRef.current, { metrics: coreMetrics(coreCount) });
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [coreCount]);

  // ---- actions ------------------------------------------------------------------------------
  const toggleGroup = useCallback(
    (group) => {
      const next = { ...enabledRef.current, [group]: !enabledRef.current[group] };
      enabledRef.current = next;
      setEnabled(next);
      if (next[group] && socket.status.state === 'open') {
        // Fill the gap of the time the group was off.
        const metrics = [
          ...HISTORY_METRICS.filter((h) => h.group === group).map((h) => h.metric),
          ...(group === 'cpu' ? coreMetrics(coreRef.current) : []),
        ];
        loadHistory(rangeRef.current, { [group]: true }, { metrics });
      }
    },
    [loadHistory, socket.status.state],
  );

  const applyRange = useCallback(
    (sel) => {
      rangeRef.current = sel;
      setRangeSel(sel);
      store.setWindow(windowOf(sel), resolutionRef.current);
      setRevision((v) => v + 1);
      loadHistory(sel, enabledRef.current);
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [store, loadHistory],
  );

  const selectRange = useCallback(
    (id) => {
      if (!RANGES.some((r) => r.id === id)) return;
      setView({ mode: 'live' });
      applyRange({ id, from: null, to: null });
    },
    [applyRange],
  );

  /** An absolute range [from, to] (ms); `to` in the future means "until now". */
  const selectCustomRange = useCallback(
    (from, to) => {
      const now = Date.now();
      const end = Math.min(to, now);
      if (!(Number.isFinite(from) && Number.isFinite(end) && from < end)) return false;
      if (now - from > MAX_HISTORY_SECONDS * 1000) return false;
      setView({ mode: 'fixed', reason: 'custom', min: from, max: end });
      applyRange({ id: 'custom', from, to: end });
      return true;
    },
    [applyRange],
  );

  /** Zoom, pan, drag-select or the keyboard: show [min, max] (fixed until "Back to live"). */
  const setViewRange = useCallback(({ min, max }) => {
    if (!(Number.isFinite(min) && Number.isFinite(max) && min < max)) return;
    setView({ mode: 'fixed', reason: 'zoom', min, max });
  }, []);

  const backToLive = useCallback(() => {
    if (rangeRef.current.id === 'custom') selectRange(RANGES[0].id);
    else setView({ mode: 'live' });
  }, [selectRange]);

  /** The chart width in pixels: history is asked for at one point per pixel. */
  const setResolution = useCallback(
    (px) => {
      const res = Math.max(2, Math.min(1000, Math.round(px)));
      if (Math.abs(res - resolutionRef.current) < 0.15 * resolutionRef.current) return;
      resolutionRef.current = res;
      store.setWindow(store.windowMs, res);
      setRevision((v) => v + 1);
    },
    [store],
  );

  // The view in the URL (range, groups, theme), so that a link shows the same.
  useEffect(() => {
    const loc = globalThis.location;
    const hist = globalThis.history;
    if (!loc || !hist?.replaceState) return;
    const q = formatView({ range: rangeSel.id, from: rangeSel.from, to: rangeSel.to, groups: enabled, theme }, { allGroups: GROUPS });
    if (q !== loc.search) hist.replaceState(hist.state, '', `${loc.pathname}${q}${loc.hash}`);
  }, [rangeSel, enabled, theme]);

  const refreshSnapshot = useCallback(() => {
    request({ type: 'snapshot' }).catch((err) =>
      notify({ kind: 'snapshot', level: 'error', message: `Snapshot failed: ${err.code || err.message}` }),
    );
  }, [request, notify]);

  const pingTest = useCallback(() => {
    setPingResult({ pending: true });
    socket.ping().then(
      (rtt) => setPingResult({ rtt, at: Date.now() }),
      (err) => setPingResult({ error: err.code === 'timeout' ? 'no reply' : err.message, at: Date.now() }),
    );
  }, [socket]);

  const range = rangeOf(rangeSel);
  const paused = view.mode === 'fixed';
  const togglePause = useCallback(
    (current) => {
      if (view.mode === 'fixed') backToLive();
      else if (current) setView({ mode: 'fixed', reason: 'paused', min: current.min, max: current.max });
    },
    [view.mode, backToLive],
  );

  // The x range every chart shows: live follows the newest sample, fitted to the data there is.
  let xMin;
  let xMax;
  if (view.mode === 'fixed') {
    xMin = view.min;
    xMax = view.max;
  } else {
    xMax = store.latestTs ?? Date.now();
    let first = Infinity;
    for (const key of store.keys()) {
      const arr = store.get(key);
      if (arr.length && arr[0].x < first) first = arr[0].x;
    }
    xMin = Math.max(xMax - store.windowMs, Math.min(first, xMax - MIN_SPAN_MS));
  }

  // The points the first chart draws in view: what the status line says (they always match).
  const firstKey = HISTORY_METRICS.find((h) => enabled[h.group])?.metric;
  let shownPoints = 0;
  if (firstKey) for (const p of store.get(firstKey)) if (p.x >= xMin && p.x <= xMax && p.y !== null) shownPoints += 1;

  return {
    shownPoints,
    status: socket.status,
    reconnectNow: socket.reconnectNow,
    enabled,
    toggleGroup,
    range,
    selectRange,
    selectCustomRange,
    view,
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
    sync: syncRef.current,
    coreCount,
    lastUpdateAt,
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
    auth: session.auth,
    submitToken: session.submitToken,
    signOut: session.signOut,
    processes,
    host,
  };
}
