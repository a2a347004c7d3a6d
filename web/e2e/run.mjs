#!/usr/bin/env node
// End-to-end test of the dashboard against the real daemon, in Debian's headless Chromium.
//
//   PULSE_BIN=build/pulse PULSE_STATIC=build/web node web/e2e/run.mjs
//
// It starts `$PULSE_BIN --port 0 --static $PULSE_STATIC --interval-ms 200 --db :memory:`,
// reads `pulse listening on http://HOST:PORT`, and checks in the browser: the page connects;
// the cards and charts update; unchecking a group stops its updates; a history range loads
// points with one request per range and times the switch; zoom from keyboard and drag-select;
// axe-core finds no accessibility violation at 360, 1280 and 2560 px in light and dark; after
// SIGKILL the page greys out and says it is not live and, with the daemon restarted on the same
// port, is live again within 3 s by itself, with a break in the line for the outage.
// Figures (first metric painted: the first card value's Element Timing render time, see
// paint.mjs; range switches) are printed and saved to
// web/e2e/artifacts/figures.json. Screenshots go to web/e2e/artifacts/ and, with
// PULSE_UPDATE_SCREENSHOT=1, to docs/screenshot-{phone,desktop}-{light,dark}.png.
// Every wait is bounded; the daemon and the browser are ended on exit.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, CHROMIUM_PATH } from './chromium.mjs';
import { startListening, startRetrying } from './daemon.mjs';
import { watchFirstPaint } from './paint.mjs';
import './auth.mjs'; // the sign-in suite, against its own daemon with auth on

const here = dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = join(here, 'artifacts');
const DOCS = resolve(here, '..', '..', 'docs');
const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const FIGURES = join(ARTIFACTS, 'figures.json');
const PULSE_BIN = process.env.PULSE_BIN;
const PULSE_STATIC = process.env.PULSE_STATIC || resolve(here, '..', 'dist');
const SUITE_TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS || 240000);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- the daemon ---------------------------------------------------------------------------

const daemons = new Set();

/** Start the daemon; resolves with {proc, host, port, url} once it prints its listening line. */
function startDaemon(port = 0, start = startListening) {
  const args = ['--port', String(port), '--static', PULSE_STATIC, '--interval-ms', '200', '--db', ':memory:'];
  return start(PULSE_BIN, args, {
    onSpawn: (proc) => {
      daemons.add(proc);
      proc.on('exit', () => daemons.delete(proc));
    },
  });
}

/** Restart on the same port; retries briefly in case the port is still held. */
const restartDaemon = (port) => startDaemon(port, startRetrying);

function killAll() {
  for (const p of daemons) {
    try {
      p.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

// ---- page helpers -------------------------------------------------------------------------

const connectionState = (page) => page.locator('[data-testid="connection-state"]');

async function waitForState(page, text, timeout) {
  await page.waitForFunction(
    (t) => document.querySelector('[data-testid="connection-state"]')?.textContent === t,
    text,
    { timeout },
  );
}

const cardTs = (page, group) =>
  page.locator(`[data-testid="card-${group}"]`).getAttribute('data-ts', { timeout: 5000 });

/** Wait until a card's data-ts differs from `previous` (and is set). */
async function waitForCardUpdate(page, group, previous, timeout = 5000) {
  await page.waitForFunction(
    ([g, prev]) => {
      const ts = document.querySelector(`[data-testid="card-${g}"]`)?.getAttribute('data-ts');
      return Boolean(ts) && ts !== prev;
    },
    [group, previous ?? ''],
    { timeout },
  );
  return cardTs(page, group);
}

// ---- the test -----------------------------------------------------------------------------

const figures = { date: new Date().toISOString(), loadavg: null, firstMetricMs: [], rangeSwitch: [], reconnectMs: null };

/** Record every message the page sends (history requests are counted per range switch). */
async function instrument(page) {
  await page.addInitScript(() => {
    window.__pulseSent = [];
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function sendAndRecord(data) {
      try {
        window.__pulseSent.push(JSON.parse(data));
      } catch {
        /* not JSON */
      }
      return send.call(this, data);
    };
  });
}

async function openPage(browser, url, { width, height, colorScheme = 'light' }) {
  const page = await browser.newPage({ viewport: { width, height }, colorScheme });
  page.setDefaultTimeout(10000);
  await instrument(page);
  await page.goto(url, { timeout: 15000 });
  await waitForState(page, 'Connected', 15000);
  return page;
}

/** Click a range and time it until its history is drawn; count the history requests sent. */
async function switchRange(page, id) {
  return page.evaluate(async (rid) => {
    const status = () => document.querySelector('[data-testid="history-status"]');
    const before = window.__pulseSent.length;
    const t0 = performance.now();
    document.querySelector(`[data-testid="range-${rid}"]`).click();
    await new Promise((res, rej) => {
      const check = () => {
        const el = status();
        if (el.dataset.range === rid && el.dataset.status === 'done') return res();
        if (performance.now() - t0 > 10000) return rej(new Error(`range ${rid}: no history after 10 s`));
        return requestAnimationFrame(check);
      };
      check();
    });
    await new Promise((r) => requestAnimationFrame(() => r()));
    const ms = performance.now() - t0;
    const el = status();
    const sent = window.__pulseSent.slice(before).filter((m) => m.type === 'history');
    return {
      range: rid,
      ms: Math.round(ms),
      requests: sent.length,
      batched: el.dataset.batched === 'true',
      points: Number(el.dataset.points),
      chartPoints: Number(document.querySelector('[data-testid="chart-cpu"]').dataset.points),
      text: el.textContent,
    };
  }, id);
}

async function axeViolations(page) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.addScriptTag({ path: AXE_PATH });
  return page.evaluate(async () => {
    const res = await window.axe.run(document, { resultTypes: ['violations'] });
    return res.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 4).map((n) => `${n.target.join(' ')} :: ${n.failureSummary}`),
    }));
  });
}

const historyStatus = (page) => page.locator('[data-testid="history-status"]');

describe('Pulse dashboard in Chromium against the daemon', { timeout: SUITE_TIMEOUT_MS }, () => {
  let daemon;
  let browser;
  let page;
  let painted; // the first-paint watcher of `page` (paint.mjs)
  const consoleErrors = [];
  const watchdog = setTimeout(() => {
    console.error(`e2e: suite took longer than ${SUITE_TIMEOUT_MS} ms; giving up`);
    killAll();
    browser?.close().catch(() => {});
    process.exit(1);
  }, SUITE_TIMEOUT_MS + 10000);
  watchdog.unref();

  before(async () => {
    assert.ok(PULSE_BIN, 'set PULSE_BIN to the pulse binary');
    assert.ok(existsSync(PULSE_BIN), `PULSE_BIN ${PULSE_BIN} does not exist`);
    assert.ok(existsSync(join(PULSE_STATIC, 'index.html')), `no index.html in PULSE_STATIC ${PULSE_STATIC}`);
    assert.ok(existsSync(CHROMIUM_PATH), `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium)`);
    await mkdir(ARTIFACTS, { recursive: true });
    figures.loadavg = (await import('node:os')).loadavg().map((v) => Number(v.toFixed(2)));
    daemon = await startDaemon(0);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: 'light' });
    page.setDefaultTimeout(10000);
    await instrument(page);
    painted = await watchFirstPaint(page);
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
  });

  after(async () => {
    clearTimeout(watchdog);
    if (consoleErrors.length) console.log(`# browser console errors:\n# ${consoleErrors.join('\n# ')}`);
    console.log(`# figures ${JSON.stringify(figures)}`);
    await writeFile(FIGURES, `${JSON.stringify(figures, null, 2)}\n`).catch(() => {});
    if (page) await page.screenshot({ path: join(ARTIFACTS, 'last.png'), fullPage: true }).catch(() => {});
    await browser?.close().catch(() => {});
    for (const p of daemons) p.kill('SIGTERM');
    await sleep(200);
    killAll();
  });

  it('loads the page, shows Connected and Live, and paints the first values fast', async () => {
    const res = await page.goto(daemon.url, { timeout: 15000 });
    assert.equal(res.status(), 200);
    // The figure first: anything evaluated in the page before its paint would slow it down.
    figures.firstMetricMs.push(await painted());
    assert.equal(await page.title(), 'Pulse');
    await waitForState(page, 'Connected', 15000);
    // Warm (cached) loads, as a user reloading the page sees them.
    for (let i = 0; i < 3; i += 1) {
      await page.reload();
      figures.firstMetricMs.push(await painted());
      await waitForState(page, 'Connected', 15000);
    }
    // The first values came from the page's inline first-paint script (boot/boot.js), whose
    // socket the app adopted (still open, the only one the dashboard has).
    // The page came with the daemon's snapshot in its slot: the slot in index.html and the one
    // the daemon looks for (src/app/index_page.h) are the same bytes.
    const boot = await page.evaluate(() => ({
      inline: window.__pulseBoot?.inline?.type === 'snapshot',
      painted: Boolean(window.__pulseBoot?.snapshot),
      open: window.__pulseBoot?.ws?.readyState === 1,
      bootMark: performance.getEntriesByName('pulse:boot')[0]?.startTime,
    }));
    assert.ok(boot.painted && boot.open && boot.bootMark >= 0, `first paint by the boot script: ${JSON.stringify(boot)}`);
    assert.ok(boot.inline, `the page carried the inlined snapshot: ${JSON.stringify(boot)}`);
    const best = Math.min(...figures.firstMetricMs);
    // The bound is loose for a shared, loaded machine; the figures are printed and kept.
    assert.ok(best < Number(process.env.E2E_FIRST_METRIC_MS || 3000), `first metric painted after ${best} ms`);
    await page.locator('[data-testid="live-state"]', { hasText: 'Live' }).waitFor({ timeout: 5000 });
  });

  it('updates the value cards and the charts', async () => {
    const first = await waitForCardUpdate(page, 'cpu', null, 5000);
    const second = await waitForCardUpdate(page, 'cpu', first, 5000);
    assert.ok(Number(second) > Number(first), `cpu card ts went ${first} → ${second}`);
    const cpu = await page.locator('[data-testid="value-cpu"]').textContent();
    assert.match(cpu, /^\d+(\.\d)?%$/, `cpu card shows a percentage, got "${cpu}"`);
    const mem = await page.locator('[data-testid="value-memory"]').textContent();
    assert.match(mem, /%$/, `memory card shows a percentage, got "${mem}"`);
    await waitForCardUpdate(page, 'memory', null, 5000);
    const pointsBefore = Number(await page.locator('[data-testid="chart-cpu"]').getAttribute('data-points'));
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="chart-cpu"]')?.getAttribute('data-points')) > n,
      pointsBefore,
      { timeout: 5000 },
    );
    const cores = Number(await page.locator('[data-testid="chart-cores"]').getAttribute('data-cores'));
    assert.ok(cores >= 1, 'the per-core heatmap knows the cores');
    const summary = await page.locator('[data-testid="summary-cpu"]').textContent();
    assert.match(summary, /CPU usage, latest: Total \d+(\.\d)?%/, `text alternative: "${summary}"`);
  });

  it('shows the host, a sortable processes table and the filesystems table', async () => {
    const host = page.locator('[data-testid="host-identity"]');
    await host.waitFor({ timeout: 5000 });
    assert.match(await host.textContent(), /\d+ cores?/);
    const rows = page.locator('[data-testid="processes-table"] tbody tr');
    await rows.first().waitFor({ timeout: 8000 });
    assert.ok((await rows.count()) >= 1);
    // Sort by PID ascending, then descending: the first row's pid changes order.
    await page.locator('[data-testid="processes-table"] th button', { hasText: 'PID' }).click();
    const firstDesc = Number(await rows.first().getAttribute('data-pid'));
    await page.locator('[data-testid="processes-table"] th button', { hasText: 'PID' }).click();
    const firstAsc = Number(await rows.first().getAttribute('data-pid'));
    assert.ok(firstAsc < firstDesc, `pid order ${firstDesc} then ${firstAsc}`);
    const header = page.locator('[data-testid="processes-table"] th', { hasText: 'PID' });
    assert.equal(await header.getAttribute('aria-sort'), 'ascending');
    const fs = page.locator('[data-testid="filesystems-table"] tbody tr[data-mount="/"]');
    await fs.waitFor({ timeout: 5000 });
    assert.match(await fs.textContent(), /%/);
  });

  it('stops a group\'s updates when its toggle is unchecked, and resumes them', async () => {
    await waitForCardUpdate(page, 'network', null, 5000);
    const toggle = page.getByRole('checkbox', { name: 'Network' });
    await toggle.uncheck();
    assert.equal(await toggle.isChecked(), false);
    await page.locator('[data-testid="card-network"] .badge', { hasText: 'Paused' }).waitFor({ timeout: 3000 });
    assert.match(page.url(), /groups=cpu,memory,disk,load,system/, 'the groups are in the URL');
    await sleep(800); // frames already on the wire
    const netBefore = await cardTs(page, 'network');
    const cpuBefore = await cardTs(page, 'cpu');
    await sleep(2000); // ten ticks at 200 ms
    assert.equal(await cardTs(page, 'network'), netBefore, 'network card kept updating after unsubscribe');
    assert.notEqual(await cardTs(page, 'cpu'), cpuBefore, 'cpu card stopped updating');

    await toggle.check();
    await waitForCardUpdate(page, 'network', netBefore, 5000);
  });

  it('switches ranges with one history request each, quickly, drawing as many points as it says', async () => {
    await sleep(500);
    for (const id of ['1h', '24h', '7d', '6h', '5m']) {
      const r = await switchRange(page, id);
      figures.rangeSwitch.push(r);
      console.log(`# range ${id}: ${r.ms} ms, ${r.requests} history request(s), batched=${r.batched}, ${r.points} points per series, chart ${r.chartPoints}`);
      assert.ok(r.points > 0, `range ${id}: "${r.text}"`);
      assert.equal(r.chartPoints, r.points, `range ${id}: the chart draws ${r.chartPoints} points, the status says ${r.points}`);
      // One request per range; a second one only while the daemon is younger than a quarter of
      // the range (its history again at full detail).
      if (r.batched) assert.ok(r.requests <= 2, `range ${id}: ${r.requests} history requests`);
      assert.ok(r.ms < Number(process.env.E2E_RANGE_SWITCH_MS || 2000), `range ${id} took ${r.ms} ms`);
      assert.match(page.url(), new RegExp(`range=${id}`), 'the range is in the URL');
    }
    await waitForCardUpdate(page, 'cpu', await cardTs(page, 'cpu'), 5000);
  });

  it('zooms from the keyboard and by drag-to-select, and goes back to live', async () => {
    const area = page.locator('[data-testid="chart-memory"] .chart-canvas');
    await area.focus();
    await page.keyboard.press('+');
    await historyStatus(page).filter({ hasText: 'Zoomed' }).waitFor({ timeout: 3000 });
    await page.keyboard.press('Home');
    await historyStatus(page).filter({ hasText: '· live' }).waitFor({ timeout: 3000 });

    const box = await page.locator('[data-testid="chart-cpu"] canvas').boundingBox();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.4, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.4, { steps: 5 });
    await page.mouse.up();
    await historyStatus(page).filter({ hasText: 'Zoomed' }).waitFor({ timeout: 3000 });
    await page.getByRole('button', { name: 'Back to live' }).click();
    await historyStatus(page).filter({ hasText: '· live' }).waitFor({ timeout: 3000 });

    await page.getByTestId('pause').click();
    await historyStatus(page).filter({ hasText: 'Paused' }).waitFor({ timeout: 3000 });
    await page.getByTestId('pause').click();
    await historyStatus(page).filter({ hasText: '· live' }).waitFor({ timeout: 3000 });
  });

  it('pans a chart with a touch drag: the visible range moves back in time and stays', async () => {
    const p = await browser.newPage({ viewport: { width: 800, height: 1000 }, hasTouch: true, isMobile: true });
    p.setDefaultTimeout(10000);
    try {
      await p.goto(daemon.url, { timeout: 15000 });
      await waitForState(p, 'Connected', 15000);
      await p.waitForFunction(() => document.querySelector('[data-testid="history-status"]')?.dataset.status === 'done', null, { timeout: 10000 });
      const chart = p.locator('[data-testid="chart-cpu"]');
      await chart.locator('canvas').scrollIntoViewIfNeeded();
      const range = async () => ({
        min: Number(await chart.getAttribute('data-x-min')),
        max: Number(await chart.getAttribute('data-x-max')),
      });
      const before = await range();
      const box = await chart.locator('canvas').boundingBox();
      const y = box.y + box.height * 0.5;
      const x0 = box.x + box.width * 0.2;
      const x1 = box.x + box.width * 0.9;
      const cdp = await p.context().newCDPSession(p);
      const touch = (type, x) =>
        cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x, y, id: 1 }] });
      await touch('touchStart', x0);
      for (let i = 1; i <= 20; i += 1) {
        await touch('touchMove', x0 + ((x1 - x0) * i) / 20);
        await sleep(16);
      }
      await touch('touchEnd', x1);
      await historyStatus(p).filter({ hasText: 'Zoomed' }).waitFor({ timeout: 3000 });
      const after = await range();
      const span = before.max - before.min;
      // A finger dragged right shows earlier time (hammer's start threshold and the axis labels
      // take part of the drag: at least a tenth of the span is asked for, not the full drag).
      assert.ok(after.max < before.max - span * 0.1, `x max went ${before.max} → ${after.max} (span ${span})`);
      assert.ok(Math.abs(after.max - after.min - span) < span * 0.1, `the span stays (${after.max - after.min} vs ${span})`);
      await sleep(600);
      assert.deepEqual(await range(), after, 'the panned view stays where the finger left it');
    } finally {
      await p.close();
    }
  });

  it('has no axe-core violations at 360, 1280 and 2560 px in light and dark; screenshots', async () => {
    const shots = process.env.PULSE_UPDATE_SCREENSHOT;
    for (const [width, height, name] of [[360, 780, 'phone'], [1280, 800, 'desktop'], [2560, 1440, null]]) {
      for (const scheme of ['light', 'dark']) {
        const p = await openPage(browser, daemon.url, { width, height, colorScheme: scheme });
        await waitForCardUpdate(p, 'cpu', null, 5000);
        await p.waitForFunction(() => document.querySelector('[data-testid="history-status"]')?.dataset.status === 'done', null, { timeout: 10000 });
        await sleep(600);
        const theme = await p.evaluate(() => document.documentElement.dataset.theme);
        assert.equal(theme, scheme, 'theme "system" follows the browser');
        const violations = await axeViolations(p);
        assert.deepEqual(violations, [], `${width} px ${scheme}: ${JSON.stringify(violations, null, 2)}`);
        if (width === 1280) {
          const tops = await p.$$eval('.chart-card', (els) => els.map((e) => e.getBoundingClientRect().top));
          assert.ok(tops.filter((t) => t < 800).length >= 2, `two charts side by side above the fold at 1280 px (${tops.join(', ')})`);
        }
        if (width === 360) {
          const toolbar = await p.locator('.toolbar').boundingBox();
          const chart = await p.locator('.chart-card').first().boundingBox();
          assert.ok(toolbar.y < chart.y, 'on a phone the controls come before the charts');
        }
        if (name) {
          const file = join(ARTIFACTS, `screenshot-${name}-${scheme}.png`);
          await p.screenshot({ path: file, fullPage: false });
          if (shots) await copyFile(file, join(DOCS, `screenshot-${name}-${scheme}.png`));
          if (shots && name === 'desktop' && scheme === 'light') await copyFile(file, join(DOCS, 'screenshot.png'));
        }
        await p.close();
      }
    }
  });

  it('greys out when the daemon dies, and is live again within 3 s of its return, with a break for the outage', async () => {
    const { port } = daemon;
    const dead = daemon.proc;
    const exited = new Promise((r) => dead.once('exit', r));
    dead.kill('SIGKILL');
    await Promise.race([exited, sleep(5000)]);
    await waitForState(page, 'Reconnecting', 10000);
    await page.locator('.app[data-stale="true"]').waitFor({ timeout: 3000 });
    await page.locator('[data-testid="live-state"]', { hasText: /Not live · last update \d+ s ago/ }).waitFor({ timeout: 3000 });
    const sub = await page.locator('.brand-sub').textContent();
    assert.doesNotMatch(sub, /connected/, `the header still claims "${sub}"`);
    assert.doesNotMatch(await historyStatus(page).textContent(), /· live/);
    const toasts = await page.locator('.toasts').textContent();
    assert.doesNotMatch(toasts, /\b1006\b|code/, `toast in plain words: "${toasts}"`);
    assert.match(toasts, /Pulse server/);
    await sleep(2000); // an outage the charts must show as a gap

    daemon = await restartDaemon(port);
    const back = Date.now();
    assert.equal(daemon.port, port);
    await waitForState(page, 'Connected', 10000);
    figures.reconnectMs = Date.now() - back;
    console.log(`# live again ${figures.reconnectMs} ms after the daemon listened`);
    assert.ok(figures.reconnectMs <= 3000, `live again after ${figures.reconnectMs} ms`);
    const ts = await cardTs(page, 'cpu');
    await waitForCardUpdate(page, 'cpu', ts, 5000);
    await page.locator('.app[data-stale="false"]').waitFor({ timeout: 3000 });
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="chart-cpu"]')?.dataset.gaps) > 0,
      null,
      { timeout: 5000 },
    );
  });
});
