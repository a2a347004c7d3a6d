// Shared by the browser tests: start the real daemon and wait for its listening line, and wait
// until the page's live values move. One copy, so a change of the listening line or of the
// cards' data attributes is made once.
import { spawn } from 'node:child_process';

/**
 * Starts `bin` with `args` and resolves with {proc, scheme, url} once it prints
 * `pulse listening on SCHEME://HOST:PORT`; rejects (with its stderr) if it exits first or
 * prints nothing within `timeoutMs`.
 */
export function startListening(bin, args, { timeoutMs = 15000, stderr: keepStderr = true } = {}) {
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', keepStderr ? 'pipe' : 'inherit'] });
  let stderr = '';
  proc.stderr?.on('data', (d) => (stderr += d));
  return new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      fail(new Error(`no listening line; stderr: ${stderr}`));
    }, timeoutMs);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /pulse listening on (https?):\/\/(\S+):(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok({ proc, scheme: m[1], url: `${m[1]}://${m[2]}:${m[3]}` });
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`daemon exited ${code}; stderr: ${stderr}`));
    });
  });
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
