#!/usr/bin/env node
// End-to-end test of the fleet view in Debian's headless Chromium: a redis-server on a free
// loopback port and two daemons `a` and `b` sharing it. The page served by `a` shows the host
// selector and one tile per host; a click on `b` opens b's charts with its history; after b is
// killed its tile is marked stale.
//
//   PULSE_BIN=build/pulse PULSE_STATIC=build/web node web/e2e/fleet.mjs
//
// Every wait is bounded; Redis, the daemons and the browser are ended on exit.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdir } from 'node:fs/promises';
import { launchBrowser } from './chromium.mjs';
import { startListening, startReady } from './daemon.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const PULSE_BIN = process.env.PULSE_BIN;
const PULSE_STATIC = process.env.PULSE_STATIC || resolve(here, '..', 'dist');
const procs = new Set();
process.on('exit', () => procs.forEach((p) => p.kill('SIGKILL')));

function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

const track = (p) => {
  procs.add(p);
  p.on('exit', () => procs.delete(p));
};

describe('fleet view', { timeout: 120000 }, () => {
  let redisPort, a, b, browser, page;

  before(async () => {
    assert.ok(PULSE_BIN, 'PULSE_BIN is required');
    redisPort = await freePort();
    const redisArgs = ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    await startReady('redis-server', redisArgs, /Ready to accept connections/, { onSpawn: track });
    const flags = (name) => ['--port', '0', '--db', ':memory:', '--static', PULSE_STATIC, '--interval-ms', '200',
      '--redis', `redis://127.0.0.1:${redisPort}`, '--node-name', name];
    a = await startListening(PULSE_BIN, flags('a'), { onSpawn: track });
    b = await startListening(PULSE_BIN, flags('b'), { onSpawn: track });
    browser = await launchBrowser();
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.close();
    procs.forEach((p) => p.kill('SIGKILL'));
  });

  it('shows one tile per host, opens a host, and marks a dead host stale', async () => {
    await page.goto(a.url, { timeout: 15000 });
    await page.getByText('Fleet · 2 hosts').waitFor({ timeout: 15000 });
    const tiles = page.locator('.fleet-tile');
    assert.equal(await tiles.count(), 2);
    assert.match(await tiles.nth(0).textContent(), /^athis node/);
    assert.match(await tiles.nth(1).textContent(), /^b/);
    const tileB = page.locator('.fleet-tile').nth(1);
    await page.waitForFunction(() => /CPU \d/.test(document.querySelectorAll('.fleet-tile')[1]?.textContent ?? ''), null, { timeout: 10000 });
    await tileB.click();
    await page.getByLabel('charts of b').waitFor({ timeout: 5000 });
    assert.equal(await page.locator('.fleet-panel select').inputValue(), 'b'); // the toolbar has a theme select too
    await page.waitForFunction(() => [...document.querySelectorAll('.fleet-chart-value')].some((e) => e.textContent !== '—'), null, { timeout: 10000 });
    await mkdir(join(here, 'artifacts'), { recursive: true });
    await page.screenshot({ path: join(here, 'artifacts', 'fleet.png'), fullPage: true });
    b.proc.kill('SIGKILL');
    await page.locator('.fleet-tile.stale').waitFor({ timeout: 20000 });
    assert.match(await page.locator('.fleet-tile.stale').textContent(), /stale/);
  });
});
