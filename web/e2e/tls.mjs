// End-to-end: the dashboard over https with `--compression on`, in Debian's headless Chromium.
//
//   PULSE_BIN=build/pulse PULSE_STATIC=build/web node web/e2e/tls.mjs
//
// A throw-away P-256 certificate for 127.0.0.1 is made with `openssl` in a temporary directory;
// Chromium is told to accept it (--ignore-certificate-errors). Checks: the daemon says
// `https://`, the page is served over https, its WebSocket is wss and the server's handshake
// answer (seen through CDP) negotiated permessage-deflate, and live values are painted and
// keep moving. Every wait is bounded; the daemon and the browser are ended on exit.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.mjs';
import { startListening, waitForLiveUpdates } from './daemon.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const PULSE_BIN = process.env.PULSE_BIN;
const PULSE_STATIC = process.env.PULSE_STATIC || resolve(here, '..', 'dist');

function makeCert(dir) {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1',
  ], { stdio: 'ignore' });
  return { cert, key };
}

function startTlsDaemon({ cert, key }) {
  const args = ['--port', '0', '--host', '127.0.0.1', '--static', PULSE_STATIC, '--interval-ms', '200',
    '--db', ':memory:', '--tls-cert', cert, '--tls-key', key, '--compression', 'on'];
  return startListening(PULSE_BIN, args);
}

describe('dashboard over https with permessage-deflate', { timeout: 120000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pulse-e2e-tls-'));
  let daemon;
  let browser;
  let page;
  const handshakes = []; // {url, status, extensions} from CDP
  const sockets = new Map(); // requestId -> url

  before(async () => {
    daemon = await startTlsDaemon(makeCert(dir));
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS, '--ignore-certificate-errors'],
      timeout: 30000,
    });
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await ctx.newPage();
    page.setDefaultTimeout(10000);
    if (process.env.E2E_DEBUG) {
      page.on('console', (m) => console.log('console:', m.text()));
      page.on('websocket', (ws) => console.log('websocket:', ws.url()));
    }
    const cdp = await ctx.newCDPSession(page);
    cdp.on('Network.webSocketCreated', (e) => sockets.set(e.requestId, e.url));
    cdp.on('Network.webSocketHandshakeResponseReceived', (e) => {
      const h = e.response.headers || {};
      const ext = Object.entries(h).find(([k]) => k.toLowerCase() === 'sec-websocket-extensions');
      handshakes.push({ url: sockets.get(e.requestId), status: e.response.status, extensions: ext ? ext[1] : '' });
    });
    await cdp.send('Network.enable');
  });

  after(async () => {
    await browser?.close().catch(() => {});
    daemon?.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('is served over https, and the WebSocket is wss with permessage-deflate', async () => {
    assert.equal(daemon.scheme, 'https', 'the listening line says https://');
    const resp = await page.goto(daemon.url, { timeout: 15000 });
    assert.equal(resp.status(), 200);
    assert.match(page.url(), /^https:\/\//);
    const sec = await resp.securityDetails();
    assert.ok(sec && /TLS 1\.[23]/.test(sec.protocol), `TLS protocol: ${sec?.protocol}`);
    await page.waitForFunction(
      () => document.querySelector('[data-testid="connection-state"]')?.textContent === 'Connected',
      null,
      { timeout: 15000 },
    );
    const deadline = Date.now() + 5000;
    while (handshakes.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(handshakes.length > 0, 'CDP saw the WebSocket handshake');
    const hs = handshakes[handshakes.length - 1];
    assert.match(hs.url, /^wss:\/\//, `socket url ${hs.url}`);
    assert.equal(hs.status, 101);
    assert.match(hs.extensions, /^permessage-deflate\b/, `Sec-WebSocket-Extensions: ${hs.extensions}`);
  });

  it('paints live values that keep updating', async () => {
    await waitForLiveUpdates(page);
    const text = await page.locator('[data-testid="card-cpu"]').textContent();
    assert.match(text, /\d/, `the CPU card shows a number: ${text}`);
  });
});
