// End-to-end sign-in: the dashboard against a daemon with --auth-secret-file, in Chromium.
// A wrong token shows the refusal and the prompt again; a token from `pulse token` signs in,
// names the user, the charts go live and the insight list comes from GET /api/insights with
// `Authorization: Bearer`; signing out asks again; a token of 3 s (`--ttl 3`) signs in, goes
// live, and at its expiry the page says so and asks again. Imported by run.mjs (same
// PULSE_BIN / PULSE_STATIC); every wait is bounded and the daemon is killed on exit.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from './chromium.mjs';
import { startListening, waitForLiveUpdates } from './daemon.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const PULSE_BIN = process.env.PULSE_BIN;
const PULSE_STATIC = process.env.PULSE_STATIC || resolve(here, '..', 'dist');

function startAuthDaemon(secretFile) {
  const args = ['--port', '0', '--static', PULSE_STATIC, '--interval-ms', '200', '--db', ':memory:'];
  return startListening(PULSE_BIN, [...args, '--auth-secret-file', secretFile]);
}

const promptVisible = (page) => page.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: 10000 });

async function signIn(page, token) {
  await promptVisible(page);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Connect' }).click();
}

describe('dashboard sign-in against a daemon with auth on', { timeout: 120000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pulse-e2e-auth-'));
  const secretFile = join(dir, 'secret');
  let daemon;
  let browser;
  let page;
  let token;

  before(async () => {
    writeFileSync(secretFile, randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
    token = execFileSync(PULSE_BIN, ['token', '--auth-secret-file', secretFile, '--user', 'alice', '--role', 'admin'], {
      encoding: 'utf8',
    }).trim();
    daemon = await startAuthDaemon(secretFile);
    browser = await launchBrowser();
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await ctx.newPage();
    page.setDefaultTimeout(10000);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    daemon?.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks for a token, and a wrong one shows a clear message and the prompt again', async () => {
    await page.goto(daemon.url, { timeout: 15000 });
    const wrong = `${token.slice(0, -4)}AAAA`; // right shape, wrong signature
    await signIn(page, wrong);
    const alert = page.locator('.modal [role="alert"]');
    await alert.waitFor({ timeout: 10000 });
    assert.match(await alert.textContent(), /refused.*signature/i);
    await promptVisible(page);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('pulse.token')), null);
    assert.equal(await page.locator('.toast', { hasText: 'Could not connect' }).count(), 0, 'no misleading toast');
  });

  it('signs in with a token from `pulse token`, names the user, and the charts go live', async () => {
    const api = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/insights', { timeout: 15000 });
    await signIn(page, token);
    // The insight list is loaded over the HTTP API, with the token as Authorization: Bearer.
    const res = await api;
    assert.equal(res.request().headers().authorization, `Bearer ${token}`);
    assert.equal(res.status(), 200);
    assert.equal((await res.json()).type, 'insights');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor({ state: 'detached', timeout: 10000 });
    await page.waitForFunction(
      () => document.querySelector('[data-testid="connection-state"]')?.textContent === 'Connected',
      null,
      { timeout: 15000 },
    );
    assert.equal(await page.getByTestId('session-user').textContent(), 'alice');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('pulse.token')), token);
    await waitForLiveUpdates(page);
  });

  it('keeps the session across a reload of the tab, and signing out asks again', async () => {
    await page.reload();
    await page.waitForFunction(() => document.querySelector('[data-testid="session-user"]')?.textContent === 'alice', null, {
      timeout: 15000,
    });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await promptVisible(page);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('pulse.token')), null);
  });

  it('with a token of 3 s: live charts, then at expiry the message and the prompt again', async () => {
    const short = execFileSync(
      PULSE_BIN,
      ['token', '--auth-secret-file', secretFile, '--user', 'bob', '--role', 'admin', '--ttl', '3'],
      { encoding: 'utf8' },
    ).trim();
    const signedAt = Date.now();
    await signIn(page, short);
    await page.waitForFunction(() => document.querySelector('[data-testid="session-user"]')?.textContent === 'bob', null, {
      timeout: 10000,
    });
    const ts = await page.waitForFunction(() => document.querySelector('[data-testid="card-cpu"]')?.getAttribute('data-ts'));
    await page.waitForFunction(
      (f) => document.querySelector('[data-testid="card-cpu"]')?.getAttribute('data-ts') !== f,
      await ts.jsonValue(),
      { timeout: 5000 },
    );
    await page.locator('[data-testid="chart-cpu"]').waitFor({ timeout: 10000 });
    // The daemon tells the open connection its token expired: the prompt says so.
    await promptVisible(page).catch(() => {});
    const alert = page.locator('.modal [role="alert"]');
    await alert.waitFor({ timeout: 15000 });
    const waited = Date.now() - signedAt;
    assert.match(await alert.textContent(), /expired/i);
    assert.ok(waited >= 2000, `the prompt came back after ${waited} ms, before the token's 3 s`);
    await promptVisible(page);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('pulse.token')), null);
    assert.equal(await page.locator('[data-testid="session-user"]').count(), 0, 'nobody is shown signed in');
  });
});
