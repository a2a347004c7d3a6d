#!/usr/bin/env node
// First metric painted: the time from navigation start until a card value (a number from the
// daemon's snapshot) is painted, as the browser reports it: the Element Timing entry of the
// value elements (`elementtiming="pulse-value"`), the render time of the frame that first drew
// one. Also printed: the `pulse:first-metric` mark, which the page sets in the animation frame
// after writing that value into the DOM (by the inline first-paint script, boot/boot.js; by
// React when that script did not paint): the frame's style, layout and raster come after it, so
// `painted` is the figure the target is about. Measured in Chromium against the real daemon on
// loopback:
//
//   cold:   N loads, each in a new browser context (empty HTTP cache, no code cache): a first
//           visit;
//   tab:    N loads, each in a new tab of one context that has loaded the page before (a new
//           renderer, the assets in the HTTP cache): a later visit;
//   reload: one page loaded once, then reloaded N times (cached assets, as a user reloading).
//
//   PULSE_BIN=build/pulse PULSE_STATIC=build/web node web/e2e/firstpaint.mjs [N=10] [--timeline]
//   make firstpaint            (the same, N=10; FIRSTPAINT_RUNS=N to change)
//
// Prints each run, then median and p90 of each kind (painted, and the mark) and the load average
// before and after.
// --timeline prints each load's timeline too (navigation timing, each script's fetch, the
// WebSocket created/open, each frame type received, the page's marks, all ms after navigation
// start).

import { loadavg } from 'node:os';
import { launchBrowser } from './chromium.mjs';
import { startListening } from './daemon.mjs';
import { watchFirstPaint } from './paint.mjs';

const PULSE_BIN = process.env.PULSE_BIN;
const PULSE_STATIC = process.env.PULSE_STATIC;
const argv = process.argv.slice(2);
const RUNS = Number(argv.find((a) => /^\d+$/.test(a)) || process.env.FIRSTPAINT_RUNS || 10);
const TIMELINE = argv.includes('--timeline');

function startDaemon() {
  const args = ['--port', '0', '--static', PULSE_STATIC, '--interval-ms', '1000', '--db', ':memory:'];
  return startListening(PULSE_BIN, args);
}

/** Timeline of one load, all in ms after navigation start (the page's own clock); read once
 * the first value is painted (`painted()`: watchFirstPaint), so nothing runs in the page before. */
async function timeline(page, painted) {
  const ms = await painted();
  const t = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const r = (v) => Math.round(v);
    const out = { ttfb: r(nav.responseStart), responseEnd: r(nav.responseEnd), domInteractive: r(nav.domInteractive), dcl: r(nav.domContentLoadedEventEnd) };
    for (const e of performance.getEntriesByType('resource')) {
      const name = e.name.split('/').pop().replace(/-[\w-]{8}\./, '.');
      if (/\.(js|css)$/.test(name)) out[name] = `${r(e.startTime)}-${r(e.responseEnd)}${e.transferSize ? '' : ' cached'}`;
    }
    for (const m of performance.getEntriesByType('mark')) out[m.name] = r(m.startTime);
    for (const [k, v] of Object.entries(window.__fp || {})) out[k] = r(v);
    return out;
  });
  return { ...t, painted: ms };
}

/** The page's timeline recorder: when the socket is created, opens, and each frame type. */
function recordSocket() {
  window.__fp = {};
  const note = (k) => {
    if (!(k in window.__fp)) window.__fp[k] = performance.now();
  };
  const Native = WebSocket;
  window.WebSocket = class extends Native {
    constructor(...a) {
      note('ws:new');
      super(...a);
      this.addEventListener('open', () => note('ws:open'));
      this.addEventListener('message', (ev) => {
        const m = /"type"\s*:\s*"(\w+)"/.exec(String(ev.data).slice(0, 200));
        note(`ws:${m ? m[1] : 'frame'}`);
      });
    }
    send(d) {
      const m = /"type"\s*:\s*"(\w+)"/.exec(String(d));
      note(`send:${m ? m[1] : 'frame'}`);
      return super.send(d);
    }
  };
}

/** A page with its first-paint watcher (and the socket recorder with --timeline). */
async function watched(page) {
  if (TIMELINE) await page.addInitScript(recordSocket);
  return { page, painted: await watchFirstPaint(page) };
}

async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  return { context, ...(await watched(await context.newPage())) };
}

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};
const load = () => loadavg().map((v) => v.toFixed(2)).join(' / ');

function summary(label, xs) {
  return `${label.padEnd(6)} n=${xs.length}  median ${quantile(xs, 0.5)} ms  p90 ${quantile(xs, 0.9)} ms  (min ${Math.min(...xs)}, max ${Math.max(...xs)})`;
}

async function main() {
  const daemon = await startDaemon();
  const browser = await launchBrowser();
  const loadBefore = load();
  const runs = { cold: [], tab: [], reload: [] };
  const marks = { cold: [], tab: [], reload: [] };
  const measure = async (kind, i, page, painted) => {
    const t = await timeline(page, painted);
    runs[kind].push(t.painted);
    marks[kind].push(t['pulse:first-metric']);
    const label = `${kind} ${i + 1}`;
    console.log(TIMELINE ? `${label} ${JSON.stringify(t)}` : `${label}: painted ${t.painted} ms (mark ${t['pulse:first-metric']} ms)`);
  };
  try {
    for (let i = 0; i < RUNS; i += 1) {
      const { context, page, painted } = await newPage(browser);
      await page.goto(daemon.url);
      await measure('cold', i, page, painted);
      await context.close();
    }
    const { context, page, painted } = await newPage(browser);
    await page.goto(daemon.url);
    await timeline(page, painted);
    for (let i = 0; i < RUNS; i += 1) {
      const tab = await watched(await context.newPage());
      await tab.page.goto(daemon.url);
      await measure('tab', i, tab.page, tab.painted);
      await tab.page.close();
    }
    for (let i = 0; i < RUNS; i += 1) {
      await page.reload();
      await measure('reload', i, page, painted);
    }
    await context.close();
    console.log(`# first metric painted (navigation start to the first card value's Element Timing render time), ${new Date().toISOString()}`);
    for (const kind of Object.keys(runs)) console.log(`# ${summary(kind, runs[kind])}`);
    console.log(`# the pulse:first-metric mark (the frame's start, before its style/layout/raster):`);
    for (const kind of Object.keys(marks)) console.log(`#   ${summary(kind, marks[kind])}`);
    console.log(`# load average before ${loadBefore}, after ${load()}`);
  } finally {
    await browser.close();
    daemon.proc.kill('SIGTERM');
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
