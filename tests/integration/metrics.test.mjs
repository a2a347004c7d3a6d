// Metrics, history, analytics and their HTTP API (SPEC sections 3, 4 and 7), against the real
// daemon sampling this machine's /proc every 200 ms.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, withPulse, startPulse, runPulse, sleep, waitFor } from './lib.mjs';

const FAST = ['--interval-ms', '200'];
const GROUPS = ['cpu', 'memory', 'network', 'disk', 'load', 'system'];

function procMemTotal() {
  const m = /^MemTotal:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
  return Number(m[1]) * 1024;
}

function procCpuCount() {
  return fs.readFileSync('/proc/stat', 'utf8').split('\n').filter((l) => /^cpu\d+ /.test(l)).length;
}

const isMetrics = (m) => m.type === 'metrics';
const groupsOf = (m) => GROUPS.filter((g) => g in m);

describe('metrics frames', () => {
  test('match the real /proc: memory total, core count, used and usage', async (t) => {
    const d = await withPulse(t, FAST);
    const c = await Client.connect(d.wsUrl);
    t.after(() => c.close());
    assert.equal((await c.request({ type: 'subscribe', channel: 'metrics' })).type, 'subscribed');
    // The first frame may be the priming sample; take one that has rates.
    let f;
    for (let i = 0; i < 10; i++) {
      f = await c.next(isMetrics, 3000);
      if (f.rates) break;
    }
    assert.equal(f.rates, true);
    assert.equal(typeof f.ts, 'number');
    assert.ok(Math.abs(f.ts - Date.now()) < 10000);
    assert.deepEqual(groupsOf(f), GROUPS);
    assert.equal(f.memory.total, procMemTotal());
    assert.equal(f.memory.used, f.memory.total - f.memory.available);
    assert.ok(Math.abs(f.memory.usage - (f.memory.used / f.memory.total) * 100) < 0.01);
    assert.equal(f.cpu.cores.length, procCpuCount());
    assert.ok(f.cpu.usage >= 0 && f.cpu.usage <= 100);
    for (const k of ['rx_bps', 'tx_bps']) assert.equal(typeof f.network[k], 'number');
    assert.ok('lo' in f.network.interfaces, 'loopback is listed');
    for (const k of ['read_bps', 'write_bps']) assert.equal(typeof f.disk[k], 'number');
    for (const k of ['1m', '5m', '15m']) assert.equal(typeof f.load[k], 'number');
    const uptime = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    assert.ok(Math.abs(f.system.uptime_s - uptime) < 5);
    assert.ok(f.system.processes > 0);
  });

  test('one frame per tick holding the union of the subscribed groups; unsubscribe stops them', async (t) => {
    const d = await withPulse(t, FAST);
    const c = await Client.connect(d.wsUrl);
    t.after(() => c.close());
    await c.request({ type: 'subscribe', channel: 'metrics.cpu' });
    const first = await c.next(isMetrics, 2000); // the latest sample, at once
    assert.deepEqual(groupsOf(first), ['cpu']);
    await c.request({ type: 'subscribe', channel: 'metrics.memory' });
    const union = await c.next((m) => isMetrics(m) && 'memory' in m, 2000);
    assert.deepEqual(groupsOf(union), ['cpu', 'memory']);
    // Over a few ticks: never two frames with the same ts, always both groups.
    c.take(isMetrics);
    await sleep(900);
    const frames = c.take(isMetrics);
    assert.ok(frames.length >= 2, `frames in 900 ms: ${frames.length}`);
    assert.equal(new Set(frames.map((f) => f.ts)).size, frames.length);
    for (const f of frames) assert.deepEqual(groupsOf(f), ['cpu', 'memory']);
    await c.request({ type: 'unsubscribe', channel: 'metrics.cpu' });
    c.take(isMetrics);
    await sleep(600);
    for (const f of c.take(isMetrics)) assert.deepEqual(groupsOf(f), ['memory']);
    const r = await c.request({ type: 'unsubscribe', channel: 'metrics.memory' });
    assert.equal(r.type, 'unsubscribed');
    c.take(isMetrics);
    await sleep(700);
    assert.equal(c.take(isMetrics).length, 0, 'no metrics frame after unsubscribing');
  });

  test('a new subscriber gets the latest sample at once, not at the next tick', async (t) => {
    const d = await withPulse(t, ['--interval-ms', '10000']);
    const c = await Client.connect(d.wsUrl);
    t.after(() => c.close());
    await sleep(400); // past the first (short) tick
    const t0 = Date.now();
    await c.request({ type: 'subscribe', channel: 'metrics.load' });
    const f = await c.next(isMetrics, 2000);
    assert.ok(Date.now() - t0 < 2000);
    assert.deepEqual(groupsOf(f), ['load']);
  });

  test('stats lists metrics channels with their subscriber counts', async (t) => {
    const d = await withPulse(t, FAST);
    const a = await Client.connect(d.wsUrl);
    const b = await Client.connect(d.wsUrl);
    t.after(() => Promise.all([a.close(), b.close()]));
    await a.request({ type: 'subscribe', channel: 'metrics' });
    await b.request({ type: 'subscribe', channel: 'metrics' });
    await b.request({ type: 'subscribe', channel: 'metrics.disk' });
    const st = await a.request({ type: 'stats' });
    assert.equal(st.subscriptions.metrics, 2);
    assert.equal(st.subscriptions['metrics.disk'], 1);
  });
});

describe('snapshot and history', () => {
  test('snapshot carries the sample, analytics per metric, insights and server info', async (t) => {
    const d = await withPulse(t, FAST);
    const c = await Client.connect(d.wsUrl);
    t.after(() => c.close());
    await sleep(700);
    const s = await c.request({ type: 'snapshot', id: 's' });
    assert.equal(s.type, 'snapshot');
    assert.equal(s.id, 's');
    assert.equal(s.metrics.memory.total, procMemTotal());
    assert.deepEqual(groupsOf(s.metrics), GROUPS);
    const a = s.analytics['cpu.usage'];
    for (const k of ['min', 'max', 'avg', 'p95', 'trend']) assert.equal(typeof a[k], 'number', k);
    assert.ok(a.min <= a.avg && a.avg <= a.max && a.p95 <= a.max);
    assert.ok(Array.isArray(s.insights));
    assert.equal(s.server.connections, 1);
    assert.equal(typeof s.server.uptime_s, 'number');
  });

  test('history grows, oldest first, step_ms is the interval', async (t) => {
    const d = await withPulse(t, FAST);
    const c = await Client.connect(d.wsUrl);
    t.after(() => c.close());
    await sleep(700);
    const h1 = await c.request({ type: 'history', metric: 'cpu.usage', seconds: 60 });
    await sleep(800);
    const h2 = await c.request({ type: 'history', metric: 'cpu.usage', seconds: 60 });
    assert.equal(h2.type, 'history');
    assert.equal(h2.metric, 'cpu.usage');
    assert.equal(h2.step_ms, 200);
    assert.ok(h2.points.length > h1.points.length, `${h1.points.length} → ${h2.points.length}`);
    for (let i = 1; i < h2.points.length; i++) assert.ok(h2.points[i][0] > h2.points[i - 1][0]);
    for (const name of ['cpu.usage', 'memory.usage', 'memory.used', 'network.rx_bps',
      'network.tx_bps', 'disk.read_bps', 'disk.write_bps', 'load.1m']) {
      const h = await c.request({ type: 'history', metric: name, seconds: 3600 });
      assert.equal(h.type, 'history', name);
      assert.ok(h.points.length >= 1 && h.points.length <= 1000, name);
    }
  });

  test('history errors: unknown_metric and bad_request', async (t) => {
    const d = await withPulse(t, FAST);
    const c = await Client.connect(d.wsUrl);
    t.after(() => c.close());
    const um = await c.request({ type: 'history', metric: 'cpu.bogus', seconds: 60 });
    assert.equal(um.code, 'unknown_metric');
    for (const seconds of [0, 604801, '60', 1.5, null, -5]) {
      const r = await c.request({ type: 'history', metric: 'cpu.usage', seconds });
      assert.equal(r.code, 'bad_request', `seconds ${JSON.stringify(seconds)}`);
    }
    const r = await c.request({ type: 'history', metric: 7, seconds: 60 });
    assert.equal(r.code, 'bad_request');
    assert.equal((await c.request({ type: 'history', metric: 'cpu.usage', seconds: 604800 })).type, 'history');
  });

  test('a young daemon answers long ranges sample by sample', async (t) => {
    const d = await withPulse(t, FAST);
    const c = await Client.connect(d.wsUrl);
    t.after(() => c.close());
    await sleep(1200);
    for (const seconds of [3601, 21600, 604800]) {
      const h = await c.request({ type: 'history', metric: 'memory.used', seconds });
      assert.equal(h.step_ms, 200, `seconds ${seconds}`);
      assert.ok(h.points.length >= 4, `seconds ${seconds}: ${h.points.length} points`);
    }
  });

  test('history survives a restart with the same --db', async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pulse-db-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const db = path.join(dir, 'h.db');
    const d1 = await startPulse([...FAST, '--db', db]);
    await sleep(1500);
    const before = Date.now();
    const info = await d1.stop('SIGTERM', 3000);
    assert.equal(info.code, 0);
    const d2 = await withPulse(t, [...FAST, '--db', db]);
    const c = await Client.connect(d2.wsUrl);
    t.after(() => c.close());
    const h = await c.request({ type: 'history', metric: 'memory.used', seconds: 3600 });
    const old = h.points.filter(([ts]) => ts < before);
    assert.ok(old.length >= 3, `points from the first run: ${old.length}`);
  });

  test('a corrupt or unusable database file exits 1 with one line on stderr', async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pulse-db-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const corrupt = path.join(dir, 'corrupt.db');
    fs.writeFileSync(corrupt, 'this is not an SQLite database'.repeat(200));
    const notDir = path.join(dir, 'file');
    fs.writeFileSync(notDir, 'x');
    for (const db of [corrupt, path.join(notDir, 'under-a-file.db')]) {
      const r = await runPulse(['--port', '0', '--db', db], { timeoutMs: 5000 });
      assert.equal(r.code, 1, `${db}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /db/);
      assert.equal(r.stdout, '');
    }
  });
});

// A strict reader of the Prometheus text exposition format 0.0.4.
function parsePrometheus(text) {
  const types = new Map();
  const samples = new Map();
  assert.ok(text.endsWith('\n'), 'ends with a newline');
  for (const line of text.slice(0, -1).split('\n')) {
    let m;
    if ((m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line))) continue;
    if ((m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line))) {
      assert.ok(!types.has(m[1]), `TYPE declared twice for ${m[1]}`);
      assert.ok(!samples.has(m[1]), `TYPE after samples of ${m[1]}`);
      types.set(m[1], m[2]);
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*) (NaN|[+-]Inf|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)$/.exec(line);
    assert.ok(m, `not a valid exposition line: ${JSON.stringify(line)}`);
    assert.ok(!samples.has(m[1]), `duplicate sample ${m[1]}`);
    samples.set(m[1], Number(m[2] === 'NaN' ? NaN : m[2]));
  }
  return { types, samples };
}

describe('HTTP API', () => {
  test('GET /metrics is valid Prometheus text with every SPEC name', async (t) => {
    const d = await withPulse(t, FAST);
    const c = await Client.connect(d.wsUrl);
    t.after(() => c.close());
    await sleep(600);
    const res = await fetch(`http://127.0.0.1:${d.port}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/plain/);
    const { types, samples } = parsePrometheus(await res.text());
    const gauges = ['pulse_connections', 'pulse_cpu_usage_percent', 'pulse_memory_used_bytes',
      'pulse_memory_total_bytes', 'pulse_network_rx_bytes_per_second',
      'pulse_network_tx_bytes_per_second', 'pulse_load1'];
    const counters = ['pulse_messages_in_total', 'pulse_messages_out_total', 'pulse_bytes_out_total',
      'pulse_dropped_frames_total', 'pulse_slow_consumer_closes_total', 'pulse_auth_failures_total'];
    for (const g of gauges) assert.equal(types.get(g), 'gauge', g);
    for (const k of counters) assert.equal(types.get(k), 'counter', k);
    assert.equal(samples.get('pulse_connections'), 1);
    assert.equal(samples.get('pulse_memory_total_bytes'), procMemTotal());
    assert.ok(samples.get('pulse_messages_out_total') >= 1);
    assert.ok(samples.get('pulse_cpu_usage_percent') >= 0);
  });

  test('/api/snapshot and /api/history print the same numbers as the WebSocket replies', async (t) => {
    const d = await withPulse(t, FAST);
    const c = await Client.connect(d.wsUrl);
    t.after(() => c.close());
    await sleep(1000); // analytics over several samples: averages and trends with many digits
    const base = `http://127.0.0.1:${d.port}`;
    const strip = ({ id, ...rest }) => rest; // eslint-disable-line no-unused-vars
    // A sample can land between two requests: compare only when the WebSocket replies just
    // before and after the HTTP one agree.
    const compare = async (wsReq, url, pick) => {
      for (let i = 0; i < 30; i++) {
        const w1 = strip(await c.request(wsReq));
        const api = await (await fetch(`${base}${url}`)).json();
        const w2 = strip(await c.request(wsReq));
        if (JSON.stringify(pick(w1)) !== JSON.stringify(pick(w2))) continue;
        assert.deepEqual(pick(api), pick(w1), url);
        return;
      }
      assert.fail(`${url}: no quiet moment between samples in 30 tries`);
    };
    await compare({ type: 'snapshot' }, '/api/snapshot', (s) => ({ metrics: s.metrics, analytics: s.analytics }));
    await compare({ type: 'history', metric: 'cpu.usage', seconds: 60 }, '/api/history?metric=cpu.usage&seconds=60',
      (h) => h);
  });

  test('/api/snapshot and /api/history bodies equal the WebSocket replies', async (t) => {
    const d = await withPulse(t, FAST);
    await sleep(600);
    const base = `http://127.0.0.1:${d.port}`;
    const snap = await (await fetch(`${base}/api/snapshot`)).json();
    assert.equal(snap.type, 'snapshot');
    assert.equal(snap.metrics.memory.total, procMemTotal());
    const hres = await fetch(`${base}/api/history?metric=cpu.usage&seconds=60`);
    assert.equal(hres.status, 200);
    const h = await hres.json();
    assert.equal(h.type, 'history');
    assert.equal(h.step_ms, 200);
    assert.ok(h.points.length >= 1);
    const bad = await fetch(`${base}/api/history?metric=nope&seconds=60`);
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).code, 'unknown_metric');
    // Query parameters are form-encoded: escaped names and values mean what they spell.
    for (const q of ['metric=cpu%2Eusage&seconds=60', 'metric=cpu%2eusage&seconds=%36%30', '%6detric=cpu.usage&seconds=60']) {
      const r = await fetch(`${base}/api/history?${q}`);
      assert.equal(r.status, 200, q);
      const body = await r.json();
      assert.equal(body.type, 'history', q);
      assert.equal(body.metric, 'cpu.usage', q);
    }
    for (const q of ['metric=cpu.usage%00junk&seconds=60', 'metric=%ff&seconds=60', 'metric=&seconds=60']) {
      const r = await fetch(`${base}/api/history?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal((await r.json()).code, 'unknown_metric', q);
    }
    for (const q of ['metric=cpu.usage&seconds=abc', 'metric=cpu.usage', 'seconds=60',
      'metric=cpu.usage&seconds=0', 'metric=cpu.usage&seconds=+60', 'metric=cpu.usage&seconds=60%00',
      'metric=cpu%zzusage&seconds=60', 'metric=cpu.usage&seconds=6%']) {
      const r = await fetch(`${base}/api/history?${q}`);
      assert.equal(r.status, 400, q);
      const body = await r.json();
      assert.equal(body.type, 'error');
      assert.equal(body.code, 'bad_request', q);
    }
  });
});
