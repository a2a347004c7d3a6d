// Memory soak of the dashboard (not part of `make test`): the real daemon ticks every
// --interval-ms (default 100 ms, so an hour of 1 Hz updates takes 6 minutes), and the page's
// JavaScript heap is read after a forced garbage collection at regular points. Prints one line
// per sample and a RESULT line; exits 1 if the heap at the end exceeds the first post-warm-up
// sample by more than the allowed growth (default 10 %).
// Usage: PULSE_BIN=build/pulse PULSE_STATIC=build/web node web/e2e/soak.mjs [TICKS] [INTERVAL_MS]
import { launchBrowser } from './chromium.mjs';
import { startListening } from './daemon.mjs';

const ticks = Number(process.argv[2] || 3600);
const interval = Number(process.argv[3] || 100);
const samples = 12;
const allowed = Number(process.env.SOAK_MAX_GROWTH || 0.1);

const { proc: daemon, url } = await startListening(process.env.PULSE_BIN, ['--port', '0', '--db', ':memory:',
  '--static', process.env.PULSE_STATIC, '--interval-ms', String(interval)], { stderr: false, timeoutMs: 10000 });
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(url);
  await page.getByText('Connected').first().waitFor({ timeout: 15000 });
  const heap = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const get = (n) => metrics.find((m) => m.name === n)?.value ?? NaN;
    return { heap: get('JSHeapUsedSize'), nodes: get('Nodes'), listeners: get('JSEventListeners') };
  };
  const step = (ticks * interval) / samples;
  const seen = [];
  for (let i = 0; i <= samples; i++) {
    if (i > 0) await page.waitForTimeout(step);
    const h = await heap();
    seen.push(h);
    console.log(`t=${Math.round((i * step) / 1000)}s ticks=${Math.round((i * step) / interval)} heap_kib=${Math.round(h.heap / 1024)} dom_nodes=${h.nodes} listeners=${h.listeners}`);
  }
  const base = seen[2].heap; // after the chart windows have filled up
  const end = seen[seen.length - 1].heap;
  const growth = (end - base) / base;
  console.log(`RESULT scenario=dashboard-soak ticks=${ticks} interval_ms=${interval} heap_base_kib=${Math.round(base / 1024)} heap_end_kib=${Math.round(end / 1024)} growth=${(growth * 100).toFixed(1)}%`);
  process.exitCode = growth > allowed ? 1 : 0;
} finally {
  await browser.close();
  daemon.kill('SIGTERM');
}
