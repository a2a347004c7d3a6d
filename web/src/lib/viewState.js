// viewState: what the page shows — the time range (a preset or an absolute from–to), the
// enabled metric groups and the theme — read from and written to the URL query, so that a link
// shows the same view. Plus the keyboard zoom/pan arithmetic. No React.
//
//   ?range=1h&groups=cpu,memory&theme=dark
//   ?from=2026-12-05T08:00:00.000Z&to=2026-12-05T09:30:00.000Z

export const THEMES = Object.freeze(['system', 'light', 'dark']);

/**
 * Parse a query string. Unknown or malformed values fall back to the defaults; an absolute
 * range needs from < to, both valid dates, and from within `maxSeconds` of now.
 */
export function parseView(search, { ranges, groups, now = Date.now(), maxSeconds = 604800 }) {
  const q = new URLSearchParams(search || '');
  const view = { range: ranges[0].id, from: null, to: null, groups: null, theme: null };
  const r = q.get('range');
  if (r && ranges.some((x) => x.id === r)) view.range = r;
  const from = Date.parse(q.get('from') || '');
  const to = Date.parse(q.get('to') || '');
  if (Number.isFinite(from) && Number.isFinite(to) && from < to && now - from <= maxSeconds * 1000) {
    view.range = 'custom';
    view.from = from;
    view.to = Math.min(to, now);
    if (view.to <= view.from) view.to = now;
  }
  if (q.has('groups')) {
    const on = new Set((q.get('groups') || '').split(',').filter(Boolean));
    view.groups = Object.fromEntries(groups.map((g) => [g.id, on.has(g.id)]));
  }
  const t = q.get('theme');
  if (THEMES.includes(t)) view.theme = t;
  return view;
}

/** The query string of a view (without defaults: all groups on, theme from storage). */
export function formatView({ range, from, to, groups, theme }, { allGroups }) {
  const q = new URLSearchParams();
  if (range === 'custom' && Number.isFinite(from) && Number.isFinite(to)) {
    q.set('from', new Date(from).toISOString());
    q.set('to', new Date(to).toISOString());
  } else if (range) q.set('range', range);
  const on = allGroups.filter((g) => groups?.[g.id]).map((g) => g.id);
  if (groups && on.length !== allGroups.length) q.set('groups', on.join(','));
  if (theme && theme !== 'system') q.set('theme', theme);
  const s = q.toString().replace(/%2C/g, ',').replace(/%3A/g, ':');
  return s ? `?${s}` : '';
}

/** Pan [min,max] by a fraction of its width (negative: back in time), not past `limit`. */
export function panRange({ min, max }, fraction, limit = Infinity) {
  const width = max - min;
  let shift = width * fraction;
  if (max + shift > limit) shift = limit - max;
  return { min: Math.round(min + shift), max: Math.round(max + shift) };
}

/** Zoom [min,max] around its centre by a factor (<1 zooms in), at least minWidth wide. */
export function zoomRange({ min, max }, factor, minWidth = 5000) {
  const centre = (min + max) / 2;
  const half = Math.max(minWidth, (max - min) * factor) / 2;
  return { min: Math.round(centre - half), max: Math.round(centre + half) };
}

/** Value for a datetime-local input (local time, minutes). */
export function toLocalInput(ts) {
  if (!Number.isFinite(ts)) return '';
  const d = new Date(ts);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
