// Shared by the browser tests: start the real daemon and wait for its listening line, and wait
// until the page's live values move. One copy, so a change of the listening line or of the
// cards' data attributes is made once.
import { spawn } from 'node:child_process';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const STDERR_KEPT = 20000;

/**
 * Starts `cmd` and resolves with {proc, match} once a line of its stdout or stderr matches
 * `ready`; rejects (with its output) if it exits first or nothing matches within `timeoutMs`.
 * `proc.logs()` returns the last 20 kB of its stderr (when kept). `onSpawn(proc)` is called at
 * once (e.g. to track it for clean-up even when the start fails).
 */
export function startReady(cmd, args, ready, { timeoutMs = 15000, stderr: keepStderr = true, onSpawn } = {}) {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', keepStderr ? 'pipe' : 'inherit'] });
  onSpawn?.(proc);
  let stderr = '';
  proc.logs = () => stderr;
  return new Promise((ok, fail) => {
    let out = '';
    const done = (err, value) => {
      clearTimeout(timer);
      if (err) fail(err);
      else ok(value);
    };
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      done(new Error(`${cmd}: no ready line within ${timeoutMs} ms; stderr: ${stderr.trim()}`));
    }, timeoutMs);
    const scan = () => {
      const m = ready.exec(out);
      if (m) done(null, { proc, match: m });
    };
    proc.stdout.on('data', (d) => {
      out += d;
      scan();
    });
    proc.stderr?.on('data', (d) => {
      stderr = (stderr + d).slice(-STDERR_KEPT);
      out += d;
      scan();
    });
    proc.on('error', (err) => done(err));
    proc.on('exit', (code, signal) => done(new Error(`${cmd} exited (${code ?? signal}) before it was ready; stderr: ${stderr.trim()}`)));
  });
}

/**
 * Starts `bin` with `args` and resolves with {proc, scheme, host, port, url} once it prints
 * `pulse listening on SCHEME://HOST:PORT`; rejects (with its stderr) if it exits first or
 * prints nothing within `timeoutMs`. Options as startReady's.
 */
export async function startListening(bin, args, { timeoutMs = 15000, stderr = true, onSpawn } = {}) {
  const ready = /pulse listening on (https?):\/\/(\S+):(\d+)/;
  const { proc, match: m } = await startReady(bin, args, ready, { timeoutMs, stderr, onSpawn });
  return { proc, scheme: m[1], host: m[2], port: Number(m[3]), url: `${m[1]}://${m[2]}:${m[3]}` };
}

/** startListening, retried `tries` times `delayMs` apart (a restart on a port still held). */
export async function startRetrying(bin, args, { tries = 10, delayMs = 300, ...opts } = {}) {
  let lastErr;
  for (let i = 0; i < tries; i += 1) {
    try {
      return await startListening(bin, args, opts);
    } catch (err) {
      lastErr = err;
      await sleep(delayMs);
    }
  }
  throw lastErr;
}

/** Waits until the CPU card shows a new sample and the CPU chart has drawn more points. */
export async function waitForLiveUpdates(page, timeout = 5000) {
  const attr = (sel, name) => page.locator(sel).getAttribute(name);
  await page.waitForFunction(() => document.querySelector('[data-testid="card-cpu"]')?.getAttribute('data-ts'));
  const first = await attr('[data-testid="card-cpu"]', 'data-ts');
  await page.waitForFunction(
    (f) => document.querySelector('[data-testid="card-cpu"]')?.getAttribute('data-ts') !== f,
    first,
    { timeout },
  );
  const points = Number(await attr('[data-testid="chart-cpu"]', 'data-points'));
  await page.waitForFunction(
    (n) => Number(document.querySelector('[data-testid="chart-cpu"]')?.getAttribute('data-points')) > n,
    points,
    { timeout },
  );
}
