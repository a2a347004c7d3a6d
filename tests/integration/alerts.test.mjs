// Alerts a person can read, the insight history, the first frame's rates and the batched
// history for charts, against the real daemon (docs/PROTOCOL.md: insights, history).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, withPulse, startPulse, sleep } from './lib.mjs';

const FAST = ['--interval-ms', '200'];
// memory.usage is always above 1 %: a critical alert one second after start. The other rules
// are set so that they cannot fire on a busy machine.
const QUIET = ['--alert-cpu-percent', '100', '--alert-load-per-core', '1000', '--anomaly-z', '100'];
const MEM_ALERT = ['--alert-memory-percent', '1', '--alert-hold-s', '1', ...QUIET];

function tmpDb(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pulse-alerts-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'a.db');
}

async function connect(t, d) {
  const c = await Client.connect(d.wsUrl);
  t.after(() => c.close());
  return c;
}

const isInsight = (m) => m.type === 'insight';

function assertRaisedMemory(i) {
  assert.equal(i.type, 'insight');
  assert.equal(i.state, 'raised');
  assert.equal(i.active, true);
  assert.equal(i.level, 'critical');
  assert.equal(i.key, 'threshold:memory.usage');
  assert.equal(i.metric, 'memory.usage');
  assert.match(i.message, /^Memory use at \d+(\.\d+)? %, above 1 % for 1 s$/);
  assert.equal(typeof i.value, 'number');
  assert.equal(i.threshold, 1);
  assert.equal(i.clear_below, -4);
  assert.equal(i.unit, 'percent');
  assert.ok(Number.isInteger(i.seq) && i.seq > 0);
  for (const k of ['resolves', 'raised_ts', 'reason', 'baseline', 'z']) assert.ok(!(k in i), k);
}

describe('the first metrics frame', () => {
  test('carries real rates, at once after the listening line, for every client', async (t) => {
    // The default interval: the first periodic tick is a second away, so a frame sent at
    // subscribe time is the sample taken before listening.
    for (let run = 0; run < 2; run++) {
      const d = await withPulse(t, []);
      const c = await connect(t, d);
      const snap = await fetch(`${d.url}/api/snapshot`).then((r) => r.json());
      await c.request({ type: 'subscribe', channel: 'metrics' });
      const f = await c.next((m) => m.type === 'metrics', 2000);
      for (const frame of [f, { ...snap.metrics }]) {
        assert.equal(frame.rates, true);
        assert.equal(typeof frame.cpu.usage, 'number');
        for (const k of ['user', 'system', 'iowait', 'idle']) assert.equal(typeof frame.cpu[k], 'number', k);
        for (const k of ['rx_bps', 'tx_bps']) assert.equal(typeof frame.network[k], 'number', k);
        for (const k of ['read_bps', 'write_bps']) assert.equal(typeof frame.disk[k], 'number', k);
        for (const [name, r] of Object.entries(frame.network.interfaces)) {
          assert.equal(typeof r.rx_bps, 'number', name);
        }
      }
      const prom = await fetch(`${d.url}/metrics`).then((r) => r.text());
      assert.match(prom, /^pulse_cpu_usage_percent \d/m);
      assert.match(prom, /^pulse_network_rx_bytes_per_second \d/m);
    }
  });
});

describe('alerts in words', () => {
  test('a threshold alert says what, how much and against which threshold', async (t) => {
    const d = await withPulse(t, [...FAST, ...MEM_ALERT]);
    const c = await connect(t, d);
    await c.request({ type: 'subscribe', channel: 'insights' });
    const i = await c.next(isInsight, 4000);
    assertRaisedMemory(i);
    // Raised once: the condition still holds, no second insight.
    await sleep(1000);
    await c.barrier();
    assert.equal(c.take(isInsight).length, 0);
    const snap = await c.request({ type: 'snapshot' });
    assert.deepEqual(snap.insights.map((x) => x.seq), [i.seq]);
  });
});

describe('insight history', () => {
  test('the insights request and /api/insights list what was raised', async (t) => {
    const d = await withPulse(t, [...FAST, ...MEM_ALERT]);
    const c = await connect(t, d);
    await c.request({ type: 'subscribe', channel: 'insights' });
    const live = await c.next(isInsight, 4000);
    const r = await c.request({ type: 'insights', seconds: 60, limit: 10, id: 'h1' });
    assert.equal(r.type, 'insights');
    assert.equal(r.id, 'h1');
    assert.deepEqual(r.insights, [live]);
    const http = await fetch(`${d.url}/api/insights?seconds=60&limit=10`);
    assert.equal(http.status, 200);
    assert.match(http.headers.get('content-type'), /^application\/json/);
    assert.deepEqual(await http.json(), { type: 'insights', insights: [live] });
    // Defaults: the whole retention, 100.
    const all = await c.request({ type: 'insights' });
    assert.equal(all.insights.length, 1);
    assert.deepEqual(await fetch(`${d.url}/api/insights`).then((x) => x.json()), { type: 'insights', insights: [live] });
  });

  test('bad seconds and limit are bad_request, over WebSocket and HTTP', async (t) => {
    const d = await withPulse(t, FAST);
    const c = await connect(t, d);
    const bad = [
      { seconds: 0 }, { seconds: 604801 }, { seconds: '60' }, { seconds: 1.5 }, { seconds: null },
      { limit: 0 }, { limit: 1001 }, { limit: 'x' }, { limit: 2.5 },
    ];
    for (const extra of bad) {
      const r = await c.request({ type: 'insights', ...extra });
      assert.equal(r.type, 'error', JSON.stringify(extra));
      assert.equal(r.code, 'bad_request', JSON.stringify(extra));
    }
    for (const q of ['seconds=0', 'seconds=abc', 'seconds=+5', 'limit=0', 'limit=1001', 'limit=1.5', 'seconds=%zz']) {
      const res = await fetch(`${d.url}/api/insights?${q}`);
      assert.equal(res.status, 400, q);
      const body = await res.json();
      assert.equal(body.code, 'bad_request', q);
    }
    // The connection is still fine.
    assert.equal((await c.request({ type: 'insights', seconds: 604800, limit: 1000 })).type, 'insights');
  });

  test('survives a restart; an alert open at shutdown is resolved with reason restart', async (t) => {
    const db = tmpDb(t);
    const d1 = await startPulse([...FAST, ...MEM_ALERT, '--db', db]);
    const c1 = await Client.connect(d1.wsUrl);
    await c1.request({ type: 'subscribe', channel: 'insights' });
    const raised = await c1.next(isInsight, 4000);
    await c1.close();
    assert.equal((await d1.stop('SIGTERM', 3000)).code, 0);
    // Thresholds nothing reaches: nothing new is raised by the second run.
    const d2 = await withPulse(t, [...FAST, ...QUIET, '--db', db]);
    const c2 = await connect(t, d2);
    const r = await c2.request({ type: 'insights', seconds: 3600 });
    assert.equal(r.insights.length, 2, JSON.stringify(r.insights));
    assert.deepEqual(r.insights[0], raised);
    const res = r.insights[1];
    assert.equal(res.state, 'resolved');
    assert.equal(res.active, false);
    assert.equal(res.level, 'info');
    assert.equal(res.reason, 'restart');
    assert.equal(res.resolves, raised.seq);
    assert.equal(res.raised_ts, raised.ts);
    assert.equal(res.key, raised.key);
    assert.ok(res.seq > raised.seq);
    assert.equal(res.value, null);
    assert.match(res.message, /^Memory use alert closed: pulse restarted/);
    // Numbering goes on after a restart.
    const d3 = await withPulse(t, [...FAST, ...MEM_ALERT, '--db', db]);
    const c3 = await connect(t, d3);
    await c3.request({ type: 'subscribe', channel: 'insights' });
    const again = await c3.next(isInsight, 4000);
    assert.ok(again.seq > res.seq, `${again.seq} after ${res.seq}`);
  });
});

const isPoint = (p) => Array.isArray(p) && p.length === 2 && Number.isInteger(p[0]) && (p[1] === null || typeof p[1] === 'number');

describe('batched history', () => {
  test('several metrics in one reply, over WebSocket and HTTP', async (t) => {
    const d = await withPulse(t, FAST);
    const c = await connect(t, d);
    await sleep(1200);
    const metrics = ['cpu.usage', 'memory.usage', 'network.rx_bps', 'load.1m'];
    const r = await c.request({ type: 'history', metrics, seconds: 60, id: 42 });
    assert.equal(r.type, 'history');
    assert.equal(r.id, 42);
    assert.equal(r.seconds, 60);
    assert.deepEqual(Object.keys(r.series).sort(), [...metrics].sort());
    for (const name of metrics) {
      const s = r.series[name];
      assert.equal(s.step_ms, 200, name);
      assert.ok(s.points.length >= 4, `${name}: ${s.points.length}`);
      assert.ok(s.points.every(isPoint), name);
      for (let i = 1; i < s.points.length; i++) assert.ok(s.points[i][0] > s.points[i - 1][0], name);
    }
    // The same points as the single-metric form (no gap, every value present).
    const single = await c.request({ type: 'history', metric: 'memory.usage', seconds: 60 });
    const batched = await c.request({ type: 'history', metrics: ['memory.usage'], seconds: 60 });
    const upTo = Math.min(single.points.at(-1)[0], batched.series['memory.usage'].points.at(-1)[0]);
    assert.deepEqual(
      batched.series['memory.usage'].points.filter(([ts]) => ts <= upTo),
      single.points.filter(([ts]) => ts <= upTo),
    );
    // points caps every series.
    const capped = await c.request({ type: 'history', metrics, seconds: 60, points: 2 });
    for (const name of metrics) assert.ok(capped.series[name].points.length <= 2, name);
    // HTTP: the same body, id aside.
    const res = await fetch(`${d.url}/api/history?metrics=${metrics.join(',')}&seconds=60&points=3`);
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.type, 'history');
    assert.equal(body.seconds, 60);
    assert.deepEqual(Object.keys(body.series).sort(), [...metrics].sort());
    for (const name of metrics) {
      assert.ok(body.series[name].points.length <= 3, name);
      assert.ok(body.series[name].step_ms >= 200, name);
    }
    // %-encoded names and commas work like plain ones.
    const enc = await fetch(`${d.url}/api/history?metrics=cpu%2Eusage%2Cload.1m&seconds=60`);
    assert.deepEqual(Object.keys((await enc.json()).series).sort(), ['cpu.usage', 'load.1m']);
  });

  test('the host\'s own names (per-core CPU) are known to the batched form too', async (t) => {
    const d = await withPulse(t, FAST);
    const c = await connect(t, d);
    await sleep(600);
    const single = await c.request({ type: 'history', metric: 'cpu.cores.0', seconds: 60 });
    assert.equal(single.type, 'history');
    const r = await c.request({ type: 'history', metrics: ['cpu.usage', 'cpu.cores.0'], seconds: 60 });
    assert.equal(r.type, 'history', JSON.stringify(r));
    assert.ok(r.series['cpu.cores.0'].points.length >= 1);
    const bad = await c.request({ type: 'history', metrics: ['cpu.cores.9999'], seconds: 60 });
    assert.equal(bad.code, 'unknown_metric');
  });

  test('errors: bad_request and unknown_metric, never a closed connection', async (t) => {
    const d = await withPulse(t, FAST);
    const c = await connect(t, d);
    const many = Array.from({ length: 65 }, (_, i) => `m${i}`);
    const cases = [
      [{ metrics: [], seconds: 60 }, 'bad_request'],
      [{ metrics: 'cpu.usage', seconds: 60 }, 'bad_request'],
      [{ metrics: [1], seconds: 60 }, 'bad_request'],
      [{ metrics: ['cpu.usage', 'cpu.usage'], seconds: 60 }, 'bad_request'],
      [{ metrics: many, seconds: 60 }, 'bad_request'],
      [{ metrics: ['cpu.usage'], seconds: 0 }, 'bad_request'],
      [{ metrics: ['cpu.usage'] }, 'bad_request'],
      [{ metrics: ['cpu.usage'], seconds: 60, points: 1 }, 'bad_request'],
      [{ metrics: ['cpu.usage'], seconds: 60, points: 1001 }, 'bad_request'],
      [{ metrics: ['cpu.usage'], seconds: 60, points: '10' }, 'bad_request'],
      [{ metrics: ['cpu.usage', 'cpu.nope'], seconds: 60 }, 'unknown_metric'],
      [{ metrics: ['cpu.usage\u0000'], seconds: 60 }, 'unknown_metric'],
      [{ metrics: many.slice(0, 64), seconds: 60 }, 'unknown_metric'],
    ];
    for (const [req, code] of cases) {
      const r = await c.request({ type: 'history', ...req, id: 'e' });
      assert.equal(r.type, 'error', JSON.stringify(req));
      assert.equal(r.code, code, JSON.stringify(req));
      assert.equal(r.id, 'e');
    }
    const http = [
      ['metrics=cpu.usage,nope&seconds=60', 'unknown_metric'],
      ['metrics=cpu.usage,,load.1m&seconds=60', 'unknown_metric'],
      ['metrics=cpu.usage,cpu.usage&seconds=60', 'bad_request'],
      [`metrics=${many.join(',')}&seconds=60`, 'bad_request'],
      ['metrics=cpu.usage&seconds=60&points=1', 'bad_request'],
      ['metrics=cpu.usage&seconds=60&points=x', 'bad_request'],
      ['metrics=cpu.usage&seconds=x', 'bad_request'],
      ['metrics=cpu.usage%zz&seconds=60', 'bad_request'],
    ];
    for (const [q, code] of http) {
      const res = await fetch(`${d.url}/api/history?${q}`);
      assert.equal(res.status, 400, q);
      assert.equal((await res.json()).code, code, q);
    }
    assert.equal((await c.request({ type: 'ping' })).type, 'pong');
  });

  test('a gap while the daemon was down is marked by one null, not drawn across', async (t) => {
    const db = tmpDb(t);
    const d1 = await startPulse([...FAST, '--db', db]);
    await sleep(1200);
    // A tick may still land between the signal being sent and handled: the gap begins when d1
    // has exited.
    assert.equal((await d1.stop('SIGTERM', 3000)).code, 0);
    const stoppedAt = Date.now();
    await sleep(1500);
    const d2 = await withPulse(t, [...FAST, '--db', db]);
    await sleep(800);
    const c = await connect(t, d2);
    const r = await c.request({ type: 'history', metrics: ['memory.used', 'cpu.usage'], seconds: 60 });
    for (const name of ['memory.used', 'cpu.usage']) {
      const pts = r.series[name].points;
      // A sample may have no value of its own (cpu.usage when the kernel's counters stepped
      // back): that is a null too, but with its neighbours one step away. The gap is the null
      // after which the next point is far.
      const markers = pts.filter(([ts, v], i) => v === null && i + 1 < pts.length && pts[i + 1][0] - ts > 1000);
      assert.equal(markers.length, 1, `${name}: ${JSON.stringify(pts.filter(([, v]) => v === null))}`);
      if (name === 'memory.used') assert.equal(pts.filter(([, v]) => v === null).length, 1);
      const k = pts.indexOf(markers[0]);
      const before = pts[k - 1][0];
      const after = pts[k + 1][0];
      assert.ok(before <= stoppedAt, name);
      assert.equal(markers[0][0], before + 200, name);
      assert.ok(after - before >= 1500, `${name}: the gap is ${after - before} ms`);
    }
    // The single-metric form is unchanged: no nulls.
    const h = await c.request({ type: 'history', metric: 'memory.used', seconds: 60 });
    assert.ok(h.points.every(([, v]) => typeof v === 'number'));
  });
});

// Raw HTTP over one TCP connection: resolves with everything received until `until` matches
// or the peer closes (bounded).
import netmod from 'node:net';
function rawHttp(port, chunks, { until = null, timeoutMs = 3000, gapMs = 0 } = {}) {
  return new Promise((resolve, reject) => {
    const s = netmod.connect(port, '127.0.0.1');
    let got = '';
    const done = () => {
      clearTimeout(timer);
      s.destroy();
      resolve(got);
    };
    const timer = setTimeout(done, timeoutMs);
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (until && until.test(got)) done();
    });
    s.on('close', done);
    s.on('error', (e) => (got ? done() : reject(e)));
    s.on('connect', async () => {
      for (const c of chunks) {
        if (typeof c === 'function') await c(() => got);
        else s.write(c);
        if (gapMs) await sleep(gapMs);
      }
    });
  });
}

describe('HTTP fixes', () => {
  test('a route with a trailing slash gets index.html; a missing file name stays 404', async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pulse-static-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>pulse</title>');
    const d = await withPulse(t, ['--static', dir]);
    for (const p of ['/deep/a/b/c/', '/deep/a/b/c', '/x/']) {
      const r = await fetch(`${d.url}${p}`);
      assert.equal(r.status, 200, p);
      assert.match(await r.text(), /<title>pulse<\/title>/, p);
    }
    assert.equal((await fetch(`${d.url}/deep/a/b/c/app.js`)).status, 404);
  });

  test('Expect: 100-continue gets 100 Continue, then the answer; refusals come at once', async (t) => {
    const d = await withPulse(t, FAST);
    // A body announced: 100 first, nothing else until the body is sent.
    const head = 'POST /api/snapshot HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n';
    const got = await rawHttp(d.port, [
      head,
      async (sofar) => {
        const t0 = Date.now();
        while (!/\r\n\r\n/.test(sofar()) && Date.now() - t0 < 2000) await sleep(20);
        assert.equal(sofar(), 'HTTP/1.1 100 Continue\r\n\r\n');
      },
      'hello',
    ], { until: /405[\s\S]*\r\n\r\n405/ });
    assert.match(got, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 405 /);
    // A GET with a body and the expectation: the real answer follows the body.
    const get = await rawHttp(d.port, [
      'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n', 'ab',
    ], { gapMs: 100, until: /\r\n\r\nok$/ });
    assert.match(get, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK[\s\S]*ok$/);
    // Too large a body: 413 at once, without waiting for it.
    const big = await rawHttp(d.port, [
      'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\nExpect: 100-continue\r\n\r\n',
    ], { timeoutMs: 2000 });
    assert.match(big, /^HTTP\/1\.1 413 /);
    assert.doesNotMatch(big, /100 Continue/);
    // An unknown expectation: 417.
    const odd = await rawHttp(d.port, ['GET / HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n'], { timeoutMs: 2000 });
    assert.match(odd, /^HTTP\/1\.1 417 Expectation Failed/);
    // No body: no 100, just the answer.
    const plain = await rawHttp(d.port, ['GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n'], { until: /ok$/ });
    assert.match(plain, /^HTTP\/1\.1 200 OK/);
  });

  test('HTTP connections past --max-http-connections get 503 and do not disturb the rest', async (t) => {
    const d = await withPulse(t, ['--max-http-connections', '8']);
    const held = [];
    t.after(() => held.forEach((s) => s.destroy()));
    for (let i = 0; i < 8; i++) {
      const s = netmod.connect(d.port, '127.0.0.1');
      await new Promise((r) => s.on('connect', r));
      held.push(s);
    }
    await sleep(100);
    const refused = await rawHttp(d.port, ['GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'], { timeoutMs: 2000 });
    assert.match(refused, /^HTTP\/1\.1 503 Service Unavailable/);
    assert.match(refused, /Retry-After: 1/i);
    // A held connection still works; once it is gone a new one is served.
    held[0].write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const ans = await new Promise((r) => held[0].once('data', (b) => r(b.toString())));
    assert.match(ans, /^HTTP\/1\.1 200 OK/);
    held.pop().destroy();
    await sleep(200);
    const ok = await rawHttp(d.port, ['GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'], { timeoutMs: 2000 });
    assert.match(ok, /^HTTP\/1\.1 200 OK/);
    // WebSockets do not count: an upgraded connection frees its HTTP slot.
    held.pop().destroy();
    await sleep(200);
    const c = await Client.connect(d.wsUrl);
    t.after(() => c.close());
    const again = await rawHttp(d.port, ['GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'], { timeoutMs: 2000 });
    assert.match(again, /^HTTP\/1\.1 200 OK/);
  });
});
