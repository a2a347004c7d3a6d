// alerts: the daemon's insights as alerts a person reads. An insight is raised (level warning or
// critical) or resolved (level info, `resolves` = the raised one's `seq`); this module pairs them,
// says which alerts are still active, merges live frames with the history loaded on page load,
// and asks the daemon for that history (`{"type":"insights"}`).

/** How far back and how many insights the page asks for when it loads. */
export const INSIGHT_HISTORY = { seconds: 86400, limit: 100 };

/** Whether an insight is the resolution of an alert (older daemons: `active: false`). */
export function isResolved(insight) {
  if (!insight) return false;
  if (insight.state === 'resolved') return true;
  if (insight.state === 'raised') return false;
  return insight.active === false || insight.cleared === true;
}

/** A stable identity: the daemon's `seq`, or the frame's content when it has none. */
export function insightId(insight) {
  if (Number.isInteger(insight?.seq)) return `seq:${insight.seq}`;
  return `${insight?.ts}|${insight?.metric}|${insight?.level}|${insight?.message}`;
}

/** `incoming` added to `current` once each, newest first, at most `max`. */
export function mergeAlerts(current, incoming, max = 100) {
  const seen = new Set(current.map(insightId));
  const fresh = (incoming || []).filter((i) => i && typeof i === 'object' && !seen.has(insightId(i)));
  if (!fresh.length) return current;
  return [...fresh, ...current]
    .sort((a, b) => (b.ts || 0) - (a.ts || 0) || (b.seq || 0) - (a.seq || 0))
    .slice(0, max);
}

/** Map from a raised insight's seq to the insight that resolved it. */
export function resolutionsOf(list) {
  const map = new Map();
  for (const i of list) if (isResolved(i) && Number.isInteger(i.resolves)) map.set(i.resolves, i);
  return map;
}

/**
 * The alerts still raised: raised insights no resolution in the list ends. Insights without a
 * seq (older daemons) count while they are the latest word on their key or metric.
 */
export function activeAlerts(list) {
  const resolved = resolutionsOf(list);
  const latest = new Map();
  for (const i of [...list].sort((a, b) => (a.ts || 0) - (b.ts || 0))) {
    latest.set(i.key || i.metric || i.message, i);
  }
  return list.filter((i) => {
    if (isResolved(i) || !(i.level === 'warning' || i.level === 'critical')) return false;
    if (Number.isInteger(i.seq)) return !resolved.has(i.seq);
    return latest.get(i.key || i.metric || i.message) === i;
  });
}

/** A time for the list: HH:MM:SS today, "D Mon HH:MM" on another day. */
export function formatWhen(ts, now = Date.now()) {
  if (!Number.isFinite(ts)) return '—';
  const d = new Date(ts);
  const two = (n) => String(n).padStart(2, '0');
  const hm = `${two(d.getHours())}:${two(d.getMinutes())}`;
  if (d.toDateString() === new Date(now).toDateString()) return `${hm}:${two(d.getSeconds())}`;
  const month = d.toLocaleString('en', { month: 'short' });
  return `${d.getDate()} ${month} ${hm}`;
}

/** The recent insights over HTTP (`GET /api/insights`, with the Bearer token), or over the
 * socket when the HTTP API does not answer (an older daemon, a proxy passing only /ws). */
export async function loadInsightsPreferHttp(request, fetchInsights, range = INSIGHT_HISTORY) {
  try {
    return await fetchInsights(range);
  } catch {
    return loadInsightHistory(request, range);
  }
}

/** Asks for the recent insights; resolves to an array (empty when the daemon has none). */
export async function loadInsightHistory(request, { seconds, limit } = INSIGHT_HISTORY) {
  const reply = await request({ type: 'insights', seconds, limit });
  return Array.isArray(reply?.insights) ? reply.insights : [];
}
