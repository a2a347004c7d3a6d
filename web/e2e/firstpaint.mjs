#!/usr/bin/env node
// Where the time to the first painted metric goes: one cold load and N reloads of the dashboard
// served by the real daemon, in Chromium, with a timeline of the page's own events (navigation
// timing, each script's download, the WebSocket's creation, welcome / snapshot / first metrics
// frame received, and the page's `pulse:first-metric` mark).
//
//   PULSE_BIN=build/pulse PULSE_STATIC=build/web node web/e2e/firstpaint.mjs [RELOADS]
//
// Prints one line per load (ms after navigation start) and the load average.

import { loadavg } from 'node:os';
import { launchBrowser } from './chromium.mjs';
import { startListening } from './daemon.mjs';

const PULSE_BIN = process.env.PULSE_BIN;
const PULSE_STATIC = process.env.PULSE_STATIC;
const RELOADS = Number(process.argv[2] || 5);

function startDaemon() {
  const args = ['--port', '0', '--static', PULSE_STATIC, '--interval-ms', '1000', '--db', ':memory:'];
  return startListening(PULSE_BIN, args, { stderr: false });
}

/** Timeline of one load, all in ms after navigation start (the page's own clock). */
async function timeline(page) {
  await page.waitForFunction(() => performance.getEntriesByName('pulse:first-metric')[0], null, { timeout: 15000 });
  return page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const r = (v) => Math.round(v);
    const out = { ttfb: r(nav.responseStart), domInteractive: r(nav.domInteractive), dcl: r(nav.domContentLoadedEventEnd) };
    for (const e of performance.getEntriesByType('resource')) {
      const name = e.name.split('/').pop().replace(/-[\w-]{8}\./, '.');
      if (/\.(js|css)$/.test(name)) out[name] = `${r(e.startTime)}-${r(e.responseEnd)}${e.transferSize ? '' : ' cached'}`;
    }
    for (const m of performance.getEntriesByType('mark')) out[m.name] = r(m.startTime);
    for (const [k, v] of Object.entries(window.__fp || {})) out[k] = r(v);
    return out;
  });
}

async function main() {
  const daemon = await startDaemon();
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    await page.addInitScript(() => {
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
    });
    const rows = [];
    await page.goto(daemon.url);
    rows.push(['cold', await timeline(page)]);
    for (let i = 0; i < RELOADS; i += 1) {
      await page.reload();
      rows.push([`reload ${i + 1}`, await timeline(page)]);
    }
    for (const [label, t] of rows) console.log(label, JSON.stringify(t));
    const fm = rows.map(([, t]) => t['pulse:first-metric']);
    console.log(`first-metric ms: ${fm.join(', ')}; load average ${loadavg().map((v) => v.toFixed(2)).join(' / ')}`);
  } finally {
    await browser.close();
    daemon.proc.kill('SIGTERM');
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
