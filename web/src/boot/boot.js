// boot: the page's first-paint script. vite.config.js bundles it (with the card formatting it
// imports, a few kB) into an inline <script> in index.html's <head>, so it runs while the HTML is
// parsed, before the React entry bundle (React DOM, ~290 kB) is fetched, compiled or run:
//
//   1. open the WebSocket (the same URL the app uses);
//   2. when the daemon inlined a snapshot into the page (it does while auth is off: a
//      <script type="application/json" id="pulse-snapshot"> before this script), take that;
//      else, on the welcome (without auth_required) send {"type":"snapshot","id":"pulse-boot"};
//   3. paint the snapshot into the page (at DOMContentLoaded for the inlined one): a header and
//      the six value cards, the same markup and text as React's Dashboard / ValueCard (the text
//      comes from services/cards.js, shared);
//   4. in the next animation frame set performance.mark('pulse:first-metric'), and say done when
//      the browser reports the values painted (Element Timing; see whenPainted).
//
// main.jsx loads and renders React only once the boot is done (or gave up: auth required, no answer
// within GIVE_UP_MS, socket closed), so React's work does not delay the first paint. It then
// hands the open socket to the client (no second connection) with every event the boot did not
// consume held and replayed in order (lib/earlySocket.js), and the snapshot to the dashboard's
// initial state, so React's first render shows the same values and nothing flashes.

import { VALUE_TIMING, buildCards, cardValue } from '../services/cards.js';
import { formatClock } from '../services/dashboardService.js';

/** The id of the boot's snapshot request; its reply is consumed here, not replayed. */
export const BOOT_ID = 'pulse-boot';
/** React takes over after this long without a painted snapshot. */
export const GIVE_UP_MS = 1500;

const SVG_NS = 'http://www.w3.org/2000/svg';
const THEMES = ['light', 'dark'];

/** ws(s)://host/ws of the page (the same as hooks/useWebSocket.js defaultSocketUrl). */
export function bootSocketUrl(loc) {
  const proto = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${loc.host}/ws`;
}

/** The theme the app will apply (URL, then the stored choice, then the system), applied now. */
function applyTheme(win) {
  let choice = null;
  try {
    choice = new URLSearchParams(win.location.search).get('theme') || win.localStorage.getItem('pulse.theme');
  } catch {
    choice = null;
  }
  const dark = Boolean(win.matchMedia?.('(prefers-color-scheme: dark)')?.matches);
  const resolved = THEMES.includes(choice) ? choice : dark ? 'dark' : 'light';
  const el = win.document.documentElement;
  el.dataset.theme = resolved;
  el.style.colorScheme = resolved;
}

function el(doc, tag, attrs = {}, children = []) {
  const node = doc.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v != null) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

function brandMark(doc) {
  const svg = doc.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '22');
  svg.setAttribute('height', '22');
  const path = doc.createElementNS(SVG_NS, 'path');
  const attrs = { d: 'M2 12h4l3-8 4 16 3-8h6', fill: 'none', stroke: 'currentColor', 'stroke-width': '2.2' };
  for (const [k, v] of Object.entries({ ...attrs, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' })) {
    path.setAttribute(k, v);
  }
  svg.append(path);
  return el(doc, 'span', { class: 'brand-mark', 'aria-hidden': 'true' }, [svg]);
}

/** One value card, the markup of components/ValueCard.jsx. */
function card(doc, c, ts) {
  const [value, unit] = cardValue(c);
  const valueKids = [value];
  if (unit) valueKids.push(el(doc, 'span', { class: 'card-unit' }, [unit]));
  const lines = c.lines.map(([label, text]) =>
    el(doc, 'li', {}, [
      el(doc, 'span', { class: 'card-line-label' }, [label]),
      el(doc, 'span', { class: 'card-line-value' }, [text]),
    ]),
  );
  const time = el(doc, 'time', { class: 'card-time', datetime: ts ? new Date(ts).toISOString() : null }, [
    ts ? formatClock(ts) : '',
  ]);
  return el(
    doc,
    'section',
    { class: 'card value-card', 'data-testid': `card-${c.group}`, 'data-ts': ts ?? '', style: `--accent: var(${c.accent})`, 'aria-label': c.title },
    [
      el(doc, 'header', { class: 'card-head' }, [el(doc, 'h3', { class: 'card-title' }, [c.title]), time]),
      el(doc, 'p', { class: 'card-value', 'data-testid': `value-${c.group}`, elementtiming: VALUE_TIMING }, valueKids),
      ...(c.caption ? [el(doc, 'p', { class: 'card-caption' }, [c.caption])] : []),
      el(doc, 'ul', { class: 'card-lines' }, lines),
    ],
  );
}

/** Paints the header and the cards of `snapshot` into #root (replaced later by React). */
export function paintSnapshot(doc, snapshot, welcome) {
  const root = doc.getElementById('root');
  if (!root) return false;
  const metrics = snapshot.metrics;
  const ts = Number.isFinite(metrics.ts) ? metrics.ts : null;
  const cards = buildCards(metrics, snapshot.analytics);
  const brand = el(doc, 'div', { class: 'brand' }, [
    brandMark(doc),
    el(doc, 'h1', {}, ['Pulse']),
    el(doc, 'span', { class: 'brand-sub' }, [welcome?.server || 'system dashboard']),
  ]);
  const section = el(doc, 'section', { 'aria-labelledby': 'now-title' }, [
    el(doc, 'h2', { id: 'now-title', class: 'sr-only' }, ['Current values']),
    el(doc, 'div', { class: 'cards-grid' }, cards.map((c) => card(doc, c, ts))),
  ]);
  const app = el(doc, 'div', { class: 'app boot-shell', 'data-stale': 'false' }, [
    el(doc, 'header', { class: 'topbar' }, [brand]),
    el(doc, 'div', { class: 'boot-toolbar', 'aria-hidden': 'true' }),
    el(doc, 'main', { class: 'layout' }, [section]),
  ]);
  root.replaceChildren(app);
  return true;
}

/** The id of the snapshot the daemon inlines into index.html while auth is off. */
export const INLINE_ID = 'pulse-snapshot';

/**
 * The snapshot inlined in the page (<script type="application/json" id="pulse-snapshot">, put
 * there by the daemon when it served index.html), or null when there is none or it is not one.
 */
export function inlineSnapshot(doc) {
  const text = doc.getElementById?.(INLINE_ID)?.textContent;
  if (!text) return null;
  try {
    const msg = JSON.parse(text);
    return msg?.type === 'snapshot' && msg.metrics && typeof msg.metrics === 'object' ? msg : null;
  } catch {
    return null;
  }
}

/**
 * Starts the boot in `win` and returns its state, also at `win.__pulseBoot`:
 * {url, ws, held: [[type, event]…], welcome, snapshot, done, whenDone(cb)}.
 */
export function boot(win) {
  const state = { url: bootSocketUrl(win.location), ws: null, held: [], welcome: null, inline: null, snapshot: null, done: false };
  const waiters = [];
  let timer = null;
  const finish = () => {
    if (state.done) return;
    state.done = true;
    win.clearTimeout(timer);
    for (const cb of waiters.splice(0)) cb();
  };
  state.whenDone = (cb) => (state.done ? cb() : waiters.push(cb));
  win.__pulseBoot = state;
  win.performance?.mark?.('pulse:boot');
  applyTheme(win);
  timer = win.setTimeout(finish, GIVE_UP_MS);
  state.inline = inlineSnapshot(win.document);
  // With the values in the page, a socket that fails does not stop their paint (React reconnects).
  const socketFailed = () => state.inline || finish();
  if (state.inline) {
    // The values came with the page: painted once <div id="root"> is parsed, no request.
    const paintInline = () => onSnapshot(state.inline);
    if (win.document.readyState === 'loading') win.document.addEventListener('DOMContentLoaded', paintInline, { once: true });
    else paintInline();
  }
  try {
    state.ws = new win.WebSocket(state.url);
  } catch {
    socketFailed();
    return state;
  }
  const ws = state.ws;
  ws.onopen = (ev) => state.held.push(['open', ev]);
  ws.onerror = (ev) => {
    state.held.push(['error', ev]);
    socketFailed();
  };
  ws.onclose = (ev) => {
    state.held.push(['close', ev]);
    socketFailed();
  };
  ws.onmessage = (ev) => {
    let msg = null;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      msg = null;
    }
    if (msg && msg.id === BOOT_ID) {
      onSnapshot(msg);
      return;
    }
    state.held.push(['message', ev]);
    if (msg?.type !== 'welcome' || state.welcome) return;
    state.welcome = msg;
    if (msg.auth_required) finish();
    else if (!state.inline) ws.send(JSON.stringify({ type: 'snapshot', id: BOOT_ID }));
  };
  function onSnapshot(msg) {
    if (state.done) return;
    if (msg.type !== 'snapshot' || !msg.metrics || typeof msg.metrics !== 'object') {
      finish();
      return;
    }
    if (!paintSnapshot(win.document, msg, state.welcome)) {
      finish();
      return;
    }
    state.snapshot = msg;
    win.clearTimeout(timer);
    win.requestAnimationFrame(() => {
      win.performance?.mark?.('pulse:first-metric');
      whenPainted(win, finish);
    });
  }
  return state;
}

/** Time after the values' frame to wait for its paint report before React is loaded anyway. */
export const PAINT_WAIT_MS = 400;

/**
 * Calls `done` once the browser reports a card value painted (Element Timing), so that fetching
 * and compiling the React bundle (~290 kB) does not compete with rastering and presenting that
 * first frame: on a cold tab it had delayed the pixels by 200-400 ms after the frame started.
 * Where Element Timing is missing (Firefox, Safari), after the frame, or PAINT_WAIT_MS at most.
 */
function whenPainted(win, done) {
  let obs = null;
  let timer = null;
  const once = () => {
    obs?.disconnect();
    win.clearTimeout(timer);
    done();
  };
  const types = win.PerformanceObserver?.supportedEntryTypes || [];
  if (!types.includes('element')) {
    win.setTimeout(once, 0);
    return;
  }
  timer = win.setTimeout(once, PAINT_WAIT_MS);
  obs = new win.PerformanceObserver((list) => {
    if (list.getEntries().some((e) => e.identifier === VALUE_TIMING)) once();
  });
  obs.observe({ type: 'element', buffered: true });
}
