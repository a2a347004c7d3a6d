#!/usr/bin/env node
// End-to-end test of the dashboard against the real daemon, in Debian's headless Chromium.
//
//   PULSE_BIN=build/pulse PULSE_STATIC=build/web node web/e2e/run.mjs
//
// It starts `$PULSE_BIN --port 0 --static $PULSE_STATIC --interval-ms 200 --db :memory:`,
// reads `pulse listening on http://HOST:PORT`, and checks in the browser: the page connects;
// the cards and charts update; unchecking a group stops its updates; a history range loads
// points; after SIGKILL the page says Reconnecting and, with the daemon restarted on the same
// port, Connected again by itself. Screenshots go to web/e2e/artifacts/ (and, with PULSE_UPDATE_SCREENSHOT=1, to docs/screenshot.png).
// Every wait is bounded; the daemon and the browser are ended on exit.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, CHROMIUM_PATH } from './chromium.mjs';
import './auth.mjs'; // the sign-in suite, against its own daemon with auth on

const here = dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = join(here, 'artifacts');
const DOCS_SHOT = resolve(here, '..', '..', 'docs', 'screenshot.png');
const PULSE_BIN = process.env.PULSE_BIN;
const PULSE_STATIC = process.env.PULSE_STATIC || resolve(here, '..', 'dist');
const SUITE_TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS || 240000);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- the daemon ---------------------------------------------------------------------------

const daemons = new Set();

/** Start the daemon; resolves with {proc, host, port, url} once it prints its listening line. */
function startDaemon(port = 0, { timeoutMs = 15000 } = {}) {
  const args = ['--port', String(port), '--static', PULSE_STATIC, '--interval-ms', '200', '--db', ':memory:'];
  const proc = spawn(PULSE_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  daemons.add(proc);
  proc.on('exit', () => daemons.delete(proc));
  let stderr = '';
  proc.stderr.on('data', (d) => {
    stderr += d;
    if (stderr.length > 20000) stderr = stderr.slice(-20000);
  });
  proc.logs = () => stderr;
  return new Promise((resolveStart, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`daemon printed no listening line within ${timeoutMs} ms; stderr: ${stderr.trim()}`));
    }, timeoutMs);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /pulse listening on (https?):\/\/(\S+):(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        const url = `${m[1]}://${m[2]}:${m[3]}`;
        resolveStart({ proc, host: m[2], port: Number(m[3]), url });
      }
    });
    proc.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited (${code ?? signal}) before listening; stderr: ${stderr.trim()}`));
    });
  });
}

/** Restart on the same port; retries briefly in case the port is still held. */
async function restartDaemon(port) {
  let lastErr;
  for (let i = 0; i < 10; i += 1) {
    try {
      return await startDaemon(port);
    } catch (err) {
      lastErr = err;
      await sleep(300);
    }
  }
  throw lastErr;
}

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

describe('Pulse dashboard in Chromium against the daemon', { timeout: SUITE_TIMEOUT_MS }, () => {
  let daemon;
  let browser;
  let page;
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
    daemon = await startDaemon(0);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: 'light' });
    page.setDefaultTimeout(10000);
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
  });

  after(async () => {
    clearTimeout(watchdog);
    if (consoleErrors.length) console.log(`# browser console errors:\n# ${consoleErrors.join('\n# ')}`);
    if (page) await page.screenshot({ path: join(ARTIFACTS, 'last.png'), fullPage: true }).catch(() => {});
    await browser?.close().catch(() => {});
    for (const p of daemons) p.kill('SIGTERM');
    await sleep(200);
    killAll();
  });

  it('loads the page and shows Connected', async () => {
    const res = await page.goto(daemon.url, { timeout: 15000 });
    assert.equal(res.status(), 200);
    assert.equal(await page.title(), 'Pulse');
    await waitForState(page, 'Connected', 15000);
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
    await sleep(800); // frames already on the wire
    const netBefore = await cardTs(page, 'network');
    const cpuBefore = await cardTs(page, 'cpu');
    await sleep(2000); // ten ticks at 200 ms
    assert.equal(await cardTs(page, 'network'), netBefore, 'network card kept updating after unsubscribe');
    assert.notEqual(await cardTs(page, 'cpu'), cpuBefore, 'cpu card stopped updating');

    await toggle.check();
    await waitForCardUpdate(page, 'network', netBefore, 5000);
  });

  it('loads history points when a range is selected, then continues live', async () => {
    await sleep(1500); // let the daemon gather some samples
    await page.getByRole('radio', { name: '1 h' }).check();
    const status = page.locator('[data-testid="history-status"]');
    await page.waitForFunction(
      () => {
        const el = document.querySelector('[data-testid="history-status"]');
        return el?.dataset.range === '1h' && el.dataset.status === 'done';
      },
      null,
      { timeout: 10000 },
    );
    const text = await status.textContent();
    const m = /(\d+) history points/.exec(text);
    assert.ok(m, `history status reads "${text}"`);
    assert.ok(Number(m[1]) > 0, `expected history points, got "${text}"`);
    const ts = await cardTs(page, 'cpu');
    await waitForCardUpdate(page, 'cpu', ts, 5000);
    // The picture for the README: the 5 min range, where a few seconds of samples are visible.
    await page.getByRole('radio', { name: '5 min' }).check();
    await sleep(2500);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    if (process.env.PULSE_UPDATE_SCREENSHOT) {
      await copyFile(join(ARTIFACTS, 'dashboard.png'), DOCS_SHOT);
    }
    await page.emulateMedia({ colorScheme: 'dark' });
    await sleep(300);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('shows Reconnecting when the daemon dies and Connected again after a restart on the same port', async () => {
    const { port } = daemon;
    const dead = daemon.proc;
    const exited = new Promise((r) => dead.once('exit', r));
    dead.kill('SIGKILL');
    await Promise.race([exited, sleep(5000)]);
    await waitForState(page, 'Reconnecting', 10000);
    const detail = await page.locator('[data-testid="connection-detail"]').textContent();
    assert.match(detail, /attempt \d+/, `reconnect detail reads "${detail}"`);

    daemon = await restartDaemon(port);
    assert.equal(daemon.port, port);
    // Backoff is capped at 30 s, and the outage was short: the next tries come well before.
    await waitForState(page, 'Connected', 45000);
    // Subscriptions are restored: cards update again without any click.
    const ts = await cardTs(page, 'cpu');
    await waitForCardUpdate(page, 'cpu', ts, 5000);
    assert.equal(await connectionState(page).textContent(), 'Connected');
  });
});
