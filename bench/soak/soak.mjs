#!/usr/bin/env node
// Soak test (not run by CI): hours of mixed traffic against one real pulse daemon, reporting
// every minute the daemon's RSS, open file descriptors, p99 latencies and error counts.
//
//   node bench/soak/soak.mjs --bin build-release/pulse --minutes 60 [--out soak.log] [--interval-ms N]
//
// Traffic, all at once:
//   churn      a new connection every 100 ms that subscribes to metrics and a channel, then
//              closes itself after 0.5-5 s (so about 25 are open at any time);
//   pub/sub    5 publishers at 10 messages/s each on channel "soak", 40 subscribers;
//   slow       4 subscribers of metrics, "soak" and "bulk" (16 KB x 10/s) that stop reading
//              for 40 s: the daemon (--max-queue-bytes 1 MiB here) must close them (1008, or
//              drop the TCP connection); each is replaced when it ends;
//   history    one WebSocket history query and one /api/history request per second.
// Latency: p99 of ping -> pong on a dedicated connection (10/s) and of publish -> delivery.
// An error is: an error reply, an unexpected close of a well-behaved connection, a failed HTTP
// request, or a missing delivery. The daemon's stderr goes to <out>.stderr.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../tests/integration/package.json'));
const WebSocket = require('ws');

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const BIN = path.resolve(args.bin || path.join(here, '../../build/pulse'));
const MINUTES = Number(args.minutes || 60);
const OUT = args.out || null;
const MINUTE_MS = Number(args["minute-ms"] || 60000); // shorter only to try the script
const dbDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pulse-soak-'));

const stats = { errors: 0, errorKinds: {}, opened: 0, closed: 0, slowClosed: 0, published: 0, delivered: 0, history: 0 };
let pingLat = [], pubLat = [];
const log = (line) => {
  console.log(line);
  if (OUT) fs.appendFileSync(OUT, line + '\n');
};
let stopping = false;
const error = (kind) => {
  if (stopping) return;
  stats.errors++;
  stats.errorKinds[kind] = (stats.errorKinds[kind] || 0) + 1;
};

function startDaemon() {
  return new Promise((resolve, reject) => {
    const err = fs.openSync(OUT ? OUT + '.stderr' : '/dev/null', 'a');
    const p = spawn(BIN, ['--port', '0', '--db', path.join(dbDir, 'soak.db'), '--log-level', 'info', '--max-queue-bytes', '1048576', ...(args['interval-ms'] ? ['--interval-ms', String(args['interval-ms'])] : [])], {
      stdio: ['ignore', 'pipe', err],
    });
    p.stdout.on('data', (d) => {
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(String(d));
      if (m) resolve({ proc: p, port: Number(m[1]) });
    });
    p.on('exit', (code, sig) => reject(new Error(`pulse exited ${code} ${sig}`)));
  });
}

const d = await startDaemon();
d.proc.on('exit', (code, sig) => {
  log(`DAEMON EXITED code=${code} signal=${sig}`);
  process.exit(1);
});
const URL_ = `ws://127.0.0.1:${d.port}/ws`;

function connect({ onMessage, expectClose = false } = {}) {
  const ws = new WebSocket(URL_, { perMessageDeflate: false });
  stats.opened++;
  ws.on('message', (buf) => {
    const m = JSON.parse(buf);
    if (m.type === 'error') error(`error:${m.code}`);
    onMessage?.(m, ws);
  });
  ws.on('error', () => expectClose || error('socket_error'));
  ws.on('close', (code) => {
    stats.closed++;
    if (!expectClose && !ws.ending && code !== 1000 && code !== 1001) error(`close:${code}`);
  });
  return ws;
}
const send = (ws, o) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(o));

// churn
setInterval(() => {
  const ws = connect({});
  ws.on('open', () => {
    send(ws, { type: 'subscribe', channel: 'metrics' });
    send(ws, { type: 'subscribe', channel: 'churn' });
    setTimeout(() => ((ws.ending = true), ws.close(1000)), 500 + Math.random() * 4500);
  });
}, 100);

// pub/sub
const subs = [];
for (let i = 0; i < 40; i++) {
  const ws = connect({
    onMessage: (m) => {
      if (m.type !== 'message') return;
      stats.delivered++;
      pubLat.push(Date.now() - m.data.t);
    },
  });
  ws.on('open', () => send(ws, { type: 'subscribe', channel: 'soak' }));
  subs.push(ws);
}
for (let i = 0; i < 5; i++) {
  const ws = connect({});
  ws.on('open', () =>
    setInterval(() => {
      stats.published++;
      send(ws, { type: 'publish', channel: 'soak', data: { t: Date.now(), pad: 'x'.repeat(200) } });
    }, 100),
  );
}

// slow consumers: stop reading at once; a replacement is opened when the daemon closes one.
// They also take "bulk" (16 KB messages, 10/s) so that their queue overflows within a minute.
const bulk = connect({});
bulk.on('open', () =>
  setInterval(() => send(bulk, { type: 'publish', channel: 'bulk', data: 'b'.repeat(16384) }), 100),
);
function slow() {
  const ws = connect({ expectClose: true });
  ws.on('open', () => {
    send(ws, { type: 'subscribe', channel: 'bulk' });
    send(ws, { type: 'subscribe', channel: 'soak' });
    send(ws, { type: 'subscribe', channel: 'metrics' });
    ws._socket.pause();
    // A paused socket cannot see the daemon's Close or reset: read again after 40 s.
    setTimeout(() => ws._socket.resume(), 40000);
  });
  ws.on('close', (code) => {
    if (code === 1008 || code === 1006) stats.slowClosed++;
    else error(`slow_close:${code}`);
    setTimeout(slow, 1000);
  });
}
for (let i = 0; i < 4; i++) slow();

// history
const hist = connect({ onMessage: (m) => m.type === 'history' && stats.history++ });
hist.on('open', () =>
  setInterval(() => {
    send(hist, { type: 'history', metric: 'cpu.usage', seconds: 3600 });
    http
      .get(`http://127.0.0.1:${d.port}/api/history?metric=memory.used&seconds=86400`, (res) => {
        if (res.statusCode !== 200) error(`http:${res.statusCode}`);
        res.resume();
        res.on('end', () => stats.history++);
      })
      .on('error', () => error('http_error'));
  }, 1000),
);

// ping latency
const pinger = connect({ onMessage: (m) => m.type === 'pong' && pingLat.push(Date.now() - m.ts) });
pinger.on('open', () => setInterval(() => send(pinger, { type: 'ping', ts: Date.now() }), 100));

function p99(a) {
  if (!a.length) return NaN;
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))];
}
function procStat() {
  const st = fs.readFileSync(`/proc/${d.proc.pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+)/.exec(st)[1]);
  const fds = fs.readdirSync(`/proc/${d.proc.pid}/fd`).length;
  return { rss, fds };
}

// SQLite's and the heap's share of the RSS, from /metrics (refreshed every 5 s)
const mem = { sqlite: NaN, heap: NaN };
setInterval(() => {
  http
    .get(`http://127.0.0.1:${d.port}/metrics`, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        const v = (n) => Number((new RegExp(`^${n} (\\d+)`, 'm').exec(body) || [])[1]);
        mem.sqlite = Math.round(v('pulse_sqlite_memory_bytes') / 1024);
        mem.heap = Math.round(v('pulse_heap_in_use_bytes') / 1024);
      });
    })
    .on('error', () => {});
}, 5000);

const t0 = Date.now();
let minute = 0;
const rows = [];
log(`soak: pulse ${BIN} pid ${d.proc.pid} port ${d.port}, ${MINUTES} min, started ${new Date(t0).toISOString()}`);
log('minute\trss_kib\tfds\tping_p99_ms\tpub_p99_ms\tpublished\tdelivered\topened\tslow_closed\thistory\terrors\tload1\tsqlite_kib\theap_kib');
const timer = setInterval(() => {
  minute++;
  const { rss, fds } = procStat();
  const row = [minute, rss, fds, p99(pingLat), p99(pubLat), stats.published, stats.delivered, stats.opened, stats.slowClosed, stats.history, stats.errors, os.loadavg()[0].toFixed(2), mem.sqlite, mem.heap];
  rows.push(row);
  log(row.join('\t'));
  pingLat = [];
  pubLat = [];
  if (minute >= MINUTES) {
    clearInterval(timer);
    const first = rows[Math.min(1, rows.length - 1)];
    log(`summary: rss ${first[1]} -> ${row[1]} KiB (minute 2 -> ${minute}), fds ${first[2]} -> ${row[2]}, errors ${stats.errors} ${JSON.stringify(stats.errorKinds)}`);
    stopping = true;
    const ok = stats.errors === 0;
    d.proc.removeAllListeners('exit');
    d.proc.on('exit', (code) => {
      log(`daemon exit code after SIGTERM: ${code}`);
      fs.rmSync(dbDir, { recursive: true, force: true });
      process.exit(ok && code === 0 ? 0 : 1);
    });
    d.proc.kill('SIGTERM');
  }
}, MINUTE_MS);
