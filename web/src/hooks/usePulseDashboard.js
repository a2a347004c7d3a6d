// usePulseDashboard: everything the dashboard shows that comes over the socket — latest
// values, chart series, insights, notifications — and the actions of the control panel.
// Components receive this as props and only render it.

import { useCallback, useMemo, useRef, useState } from 'react';
import { useWebSocket, defaultSocketUrl } from './useWebSocket.js';
import { useAuthSession, AUTH_CLOSE_CODE } from './useAuthSession.js';
import { SeriesStore } from '../lib/seriesStore.js';
import {
  GROUPS,
  HISTORY_METRICS,
  RANGES,
  groupChannel,
  seriesValues,
} from '../services/dashboardService.js';
import { loadInsightHistory, mergeAlerts } from '../lib/alerts.js';

const MAX_INSIGHTS = 100;
const MAX_NOTIFICATIONS = 5;
const ALL_ON = Object.fromEntries(GROUPS.map((g) => [g.id, true]));

const mergeInsights = (current, incoming) => mergeAlerts(current, incoming, MAX_INSIGHTS);

export function usePulseDashboard({ url, clientOptions } = {}) {
  const socketUrl = url || defaultSocketUrl();
  const [enabled, setEnabled] = useState(ALL_ON);
  const [rangeId, setRangeId] = useState(RANGES[0].id);
  const [latest, setLatest] = useState({});
  const [lastTs, setLastTs] = useState({});
  const [revision, setRevision] = useState(0);
  const [insights, setInsights] = useState([]);
  const [notifications, setNotifications] = useState([]);
  const [analytics, setAnalytics] = useState({});
  const [server, setServer] = useState(null);
  const [history, setHistory] = useState({ status: 'idle' });
  const [pingResult, setPingResult] = useState(null);
  const [snapshotAt, setSnapshotAt] = useState(null);
  const session = useAuthSession();
  const [processes, setProcesses] = useState(null);
  const [host, setHost] = useState(null);

  const storeRef = useRef(null);
  if (!storeRef.current) storeRef.current = new SeriesStore({ windowMs: RANGES[0].seconds * 1000 });
  const store = storeRef.current;
  const historyGen = useRef(0);
  const noteSeq = useRef(0);
  const enabledRef = useRef(enabled);
  enabledRef.current = enabled;
  const rangeRef = useRef(rangeId);
  rangeRef.current = rangeId;

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
      loadInsightHistory(socket.request).then((l) => setInsights((c) => mergeInsights(c, l)), () => {});
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
  const loadHistory = useCallback(
    async (id, groups, { metrics } = {}) => {
      const range = RANGES.find((r) => r.id === id) || RANGES[0];
      const wanted = HISTORY_METRICS.filter(
        (h) => groups[h.group] && (!metrics || metrics.includes(h.metric)),
      );
      if (!wanted.length) return;
      const partial = Boolean(metrics); // a re-enabled group: no change to the range status
      const gen = partial ? historyGen.current : ++historyGen.current;
      if (!partial) setHistory({ status: 'loading', range: range.id });
      const results = await Promise.allSettled(
        wanted.map((h) => request({ type: 'history', metric: h.metric, seconds: range.seconds })),
      );
      if (gen !== historyGen.current || rangeRef.current !== range.id) return; // superseded
      let points = 0;
      let series = 0;
      const failed = [];
      results.forEach((r, i) => {
        if (r.status === 'fulfilled' && Array.isArray(r.value.points)) {
          store.mergeHistory(wanted[i].metric, r.value.points);
          points += r.value.points.length;
          series += 1;
        } else {
          failed.push(`${wanted[i].metric} (${r.reason?.code || r.reason?.message || 'no data'})`);
        }
      });
      setRevision((v) => v + 1);
      if (!partial) {
        const status = failed.length && !series ? 'error' : 'done';
        setHistory({ status, range: range.id, points, series, failed });
      }
      if (failed.length) {
        notify({ kind: 'history', level: 'warning', message: `History unavailable: ${failed.join(', ')}` });
      }
    },
    [request, store, notify],
  );
  loadHistoryRef.current = loadHistory;

  // ---- actions ------------------------------------------------------------------------------
  const toggleGroup = useCallback(
    (group) => {
      const next = { ...enabledRef.current, [group]: !enabledRef.current[group] };
      enabledRef.current = next;
      setEnabled(next);
      if (next[group] && socket.status.state === 'open') {
        // Fill the gap of the time the group was off.
        const metrics = HISTORY_METRICS.filter((h) => h.group === group).map((h) => h.metric);
        loadHistory(rangeRef.current, { [group]: true }, { metrics });
      }
    },
    [loadHistory, socket.status.state],
  );

  const selectRange = useCallback(
    (id) => {
      const range = RANGES.find((r) => r.id === id);
      if (!range) return;
      setRangeId(id);
      rangeRef.current = id;
      store.setWindow(range.seconds * 1000);
      setRevision((v) => v + 1);
      loadHistory(id, enabledRef.current);
    },
    [store, loadHistory],
  );

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

  const range = RANGES.find((r) => r.id === rangeId) || RANGES[0];
  return {
    status: socket.status,
    reconnectNow: socket.reconnectNow,
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
    auth: session.auth,
    submitToken: session.submitToken,
    signOut: session.signOut,
    processes,
    host,
  };
}
