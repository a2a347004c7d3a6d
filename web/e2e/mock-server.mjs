#!/usr/bin/env node
// A stand-in for the Pulse daemon, for developing the dashboard without it: it speaks the
// WebSocket protocol v1 of SPEC section 4 with made-up metrics and serves a static folder.
// It takes the daemon's flags (--host, --port, --static, --interval-ms; --db is ignored) and
// prints the same `pulse listening on http://HOST:PORT` line. Not used by the e2e test, which
// runs the real daemon.
//
//   node e2e/mock-server.mjs --port 8080 --static dist [--auth-token SECRET]

import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
function flag(name, fallback) {
  const i = args.lastIndexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}
const host = flag('--host', '127.0.0.1');
const port = Number(flag('--port', '8080'));
const intervalMs = Number(flag('--interval-ms', '1000'));
const staticDir = resolve(flag('--static', join(here, '..', 'dist')));
const authToken = flag('--auth-token', null);
const startedAt = Date.now();

const CORES = 4;
const MEM_TOTAL = 16 * 1024 ** 3;
const SWAP_TOTAL = 4 * 1024 ** 3;
const GROUPS = ['cpu', 'memory', 'network', 'disk', 'load', 'system'];
const HISTORY = ['cpu.usage', 'memory.usage', 'memory.used', 'memory.swap_usage', 'network.rx_bps', 'network.tx_bps', 'disk.read_bps', 'disk.write_bps', 'load.1m', 'load.5m', 'load.15m', ...Array.from({ length: CORES }, (_, i) => `cpu.cores.${i}`)];
const noBatch = args.includes('--no-batch'); // behave like a daemon without the batched history form

// ---- made-up metrics: smooth functions of time, so history and live agree ----------------

const wave = (t, period, phase = 0) => Math.sin((t / period) * 2 * Math.PI + phase);
const noise = (t, k) => Math.sin(t * 0.00041 * (1 + k / 7) + k) * Math.cos(t * 0.00013 * (k + 1));

function value(metric, t) {
  switch (metric) {
    case 'cpu.usage':
      return clamp(32 + 18 * wave(t, 90000) + 10 * wave(t, 17000, 1) + 6 * noise(t, 1), 1, 99);
    case 'memory.usage':
      return clamp(58 + 8 * wave(t, 240000) + 2 * noise(t, 2), 5, 99);
    case 'memory.used':
      return (value('memory.usage', t) / 100) * MEM_TOTAL;
    case 'memory.swap_usage':
      return 100 * (0.08 + 0.03 * wave(t, 300000));
    case 'network.rx_bps':
      return Math.max(0, 2.4e6 + 1.8e6 * wave(t, 45000) + 6e5 * noise(t, 3));
    case 'network.tx_bps':
      return Math.max(0, 6e5 + 4e5 * wave(t, 60000, 2) + 2e5 * noise(t, 4));
    case 'disk.read_bps':
      return Math.max(0, 8e5 + 7e5 * wave(t, 30000, 0.5) + 3e5 * noise(t, 5));
    case 'disk.write_bps':
      return Math.max(0, 1.6e6 + 1.2e6 * wave(t, 52000, 1.5) + 4e5 * noise(t, 6));
    case 'load.1m':
      return Math.max(0, 1.4 + 0.8 * wave(t, 120000) + 0.2 * noise(t, 7));
    case 'load.5m':
      return 1.3 + 0.3 * wave(t, 400000);
    case 'load.15m':
      return 1.2 + 0.1 * wave(t, 900000);
    default: {
      const core = /^cpu\.cores\.(\d+)$/.exec(metric);
      if (core) return clamp(value('cpu.usage', t) + 14 * noise(t, 10 + Number(core[1])), 0, 100);
    }
      return null;
  }
}

function clamp(v, lo, hi) {
  return Math.min(hi, Math.max(lo, v));
}

function sample(t) {
  const cpu = value('cpu.usage', t);
  const used = value('memory.used', t);
  const swapUsed = SWAP_TOTAL * (0.08 + 0.03 * wave(t, 300000));
  return {
    ts: t,
    cpu: {
      usage: cpu,
      cores: Array.from({ length: CORES }, (_, i) => value(`cpu.cores.${i}`, t)),
    },
    memory: {
      total: MEM_TOTAL,
      used,
      available: MEM_TOTAL - used,
      usage: (used / MEM_TOTAL) * 100,
      swap_total: SWAP_TOTAL,
      swap_used: swapUsed,
    },
    network: {
      rx_bps: value('network.rx_bps', t),
      tx_bps: value('network.tx_bps', t),
      interfaces: { eth0: { rx_bps: value('network.rx_bps', t), tx_bps: value('network.tx_bps', t) } },
    },
    disk: { read_bps: value('disk.read_bps', t), write_bps: value('disk.write_bps', t) },
    load: { '1m': value('load.1m', t), '5m': value('load.5m', t), '15m': value('load.15m', t) },
    system: { uptime_s: 3 * 86400 + 4 * 3600 + Math.floor((t - startedAt) / 1000), processes: 212 + Math.round(4 * noise(t, 9)) },
  };
}

function pick(s, groups) {
  const out = { type: 'metrics', ts: s.ts };
  for (const g of groups) out[g] = s[g];
  return out;
}

// ---- static files ----------------------------------------------------------------------

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

async function serveStatic(req, res) {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    return;
  }
  if (url.pathname === '/api/snapshot') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(snapshot()));
    return;
  }
  const rel = normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, '');
  let file = join(staticDir, rel);
  if (!file.startsWith(staticDir)) {
    res.writeHead(403).end();
    return;
  }
  try {
    if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
  } catch {
    if (extname(rel)) {
      res.writeHead(404).end('not found');
      return;
    }
    file = join(staticDir, 'index.html');
  }
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream' }).end(body);
  } catch {
    res.writeHead(404).end('not found');
  }
}

// ---- protocol --------------------------------------------------------------------------

const insights = [];
let connSeq = 0;

function snapshot() {
  const analytics = {};
  const now = Date.now();
  for (const m of HISTORY) {
    const pts = Array.from({ length: 60 }, (_, i) => value(m, now - i * 5000)).sort((a, b) => a - b);
    analytics[m] = {
      min: pts[0],
      max: pts[pts.length - 1],
      avg: pts.reduce((a, b) => a + b, 0) / pts.length,
      p95: pts[Math.floor(pts.length * 0.95)],
      trend: (value(m, now) - value(m, now - 60000)) / 1,
    };
  }
  return {
    type: 'snapshot',
    metrics: sample(now),
    analytics,
    insights: insights.slice(-20),
    server: { connections: wss.clients.size, uptime_s: Math.floor((now - startedAt) / 1000) },
  };
}

/** Points of a metric over the last `seconds`, at most `max` (the daemon averages; this samples). */
function series(metric, seconds, max = 1000) {
  const now = Date.now();
  const span = seconds * 1000;
  const step = Math.max(intervalMs, Math.ceil(span / max));
  const from = Math.max(now - span, startedAt - 7 * 86400 * 1000);
  const points = [];
  for (let t = now - Math.floor((now - from) / step) * step; t <= now; t += step) {
    points.push([t, Math.round(value(metric, t) * 100) / 100]);
  }
  return { step_ms: step, points: points.slice(-max) };
}

function history(metric, seconds) {
  return { type: 'history', metric, ...series(metric, seconds) };
}

/** The batched form: {metrics:[…], seconds, points?} → {seconds, series:{metric:{step_ms, points}}}. */
function batchedHistory(msg) {
  const max = msg.points === undefined ? 1000 : msg.points;
  if (!Number.isInteger(max) || max < 2 || max > 1000) return { error: ['bad_request', 'points must be an integer 2..1000'] };
  if (!msg.metrics.length || msg.metrics.some((m) => typeof m !== 'string')) return { error: ['bad_request', 'metrics must be names'] };
  const unknown = msg.metrics.find((m) => !HISTORY.includes(m));
  if (unknown) return { error: ['unknown_metric', `unknown metric ${unknown}`] };
  return { type: 'history', seconds: msg.seconds, series: Object.fromEntries(msg.metrics.map((m) => [m, series(m, msg.seconds, max)])) };
}

const server = createServer((req, res) => {
  serveStatic(req, res).catch(() => res.writeHead(500).end());
});
const wss = new WebSocketServer({ noServer: true, maxPayload: 65536 });

server.on('upgrade', (req, socket, head) => {
  if (new URL(req.url, 'http://x').pathname !== '/ws') {
    socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
});

wss.on('connection', (ws) => {
  const conn = { id: `mock-${++connSeq}`, groups: new Set(), insights: false, authed: !authToken };
  const send = (obj) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(obj));
  const reply = (msg, obj) => send(msg.id !== undefined ? { ...obj, id: msg.id } : obj);
  const error = (msg, code, message) => reply(msg || {}, { type: 'error', code, message });
  ws.pulse = { conn, send };

  send({
    type: 'welcome',
    protocol: 1,
    server: 'pulse/0.0.0-mock',
    connection_id: conn.id,
    heartbeat_ms: 25000,
    auth_required: Boolean(authToken),
  });

  ws.on('message', (data, isBinary) => {
    if (isBinary) return error(null, 'unsupported', 'binary frames are not supported');
    let msg;
    try {
      msg = JSON.parse(String(data));
    } catch {
      return error(null, 'bad_json', 'not JSON');
    }
    if (!msg || typeof msg !== 'object' || Array.isArray(msg) || typeof msg.type !== 'string') {
      return error(null, 'bad_request', 'expected an object with a string type');
    }
    if (!conn.authed && msg.type !== 'ping' && msg.type !== 'auth') return error(msg, 'unauthorized', 'authenticate first');
    switch (msg.type) {
      case 'ping':
        return reply(msg, { type: 'pong', ...(msg.ts !== undefined ? { ts: msg.ts } : {}), server_ts: Date.now() });
      case 'auth':
        if (!authToken) return error(msg, 'bad_request', 'auth is off');
        if (msg.token !== authToken) return error(msg, 'unauthorized', 'bad token');
        conn.authed = true;
        return reply(msg, { type: 'auth_ok', user: 'mock', roles: ['admin'], expires: Date.now() + 3600e3 });
      case 'subscribe':
      case 'unsubscribe': {
        const ch = msg.channel;
        if (typeof ch !== 'string') return error(msg, 'bad_request', 'channel must be a string');
        const on = msg.type === 'subscribe';
        if (ch === 'insights') conn.insights = on;
        else if (ch === 'metrics') GROUPS.forEach((g) => (on ? conn.groups.add(g) : conn.groups.delete(g)));
        else if (ch.startsWith('metrics.') && GROUPS.includes(ch.slice(8))) {
          if (on) conn.groups.add(ch.slice(8));
          else conn.groups.delete(ch.slice(8));
        } else if (ch.startsWith('metrics') || ch.startsWith('insights')) {
          if (on) return error(msg, 'unknown_channel', `no channel ${ch}`);
        }
        reply(msg, { type: on ? 'subscribed' : 'unsubscribed', channel: ch });
        if (on && ch.startsWith('metrics') && conn.groups.size) send(pick(sample(Date.now()), conn.groups));
        return undefined;
      }
      case 'snapshot':
        return reply(msg, snapshot());
      case 'history': {
        if (Array.isArray(msg.metrics) && !noBatch) {
          if (!Number.isInteger(msg.seconds) || msg.seconds < 1 || msg.seconds > 604800) {
            return error(msg, 'bad_request', 'seconds must be an integer 1..604800');
          }
          const out = batchedHistory(msg);
          return out.error ? error(msg, ...out.error) : reply(msg, out);
        }
        if (typeof msg.metric !== 'string') return error(msg, 'bad_request', 'metric must be a string');
        if (!HISTORY.includes(msg.metric)) return error(msg, 'unknown_metric', `unknown metric ${msg.metric}`);
        if (!Number.isInteger(msg.seconds) || msg.seconds < 1 || msg.seconds > 604800) {
          return error(msg, 'bad_request', 'seconds must be an integer 1..604800');
        }
        return reply(msg, history(msg.metric, msg.seconds));
      }
      default:
        return error(msg, 'unknown_type', `unknown type ${msg.type}`);
    }
  });
});

setInterval(() => {
  const s = sample(Date.now());
  for (const ws of wss.clients) {
    const { conn, send } = ws.pulse;
    if (conn.groups.size) send(pick(s, conn.groups));
  }
}, intervalMs).unref();

// An alert raised every 40 s and cleared 12 s later, plus an occasional anomaly.
let tick = 0;
setInterval(() => {
  tick += 1;
  const now = Date.now();
  const events = [];
  if (tick % 8 === 1) {
    events.push({ level: 'warning', metric: 'cpu.usage', message: 'CPU usage above 80% for 60 s', value: 86.4 });
  } else if (tick % 8 === 4) {
    events.push({ level: 'info', metric: 'cpu.usage', message: 'CPU usage back to normal (cleared)', value: 41.2, cleared: true });
  } else if (tick % 8 === 6) {
    events.push({ level: 'critical', metric: 'disk.write_bps', message: 'Anomaly: disk writes 4.1σ above the 5 min mean', value: 9.6e6 });
  }
  for (const e of events) {
    const frame = { type: 'insight', ts: now, ...e };
    insights.push(frame);
    if (insights.length > 100) insights.shift();
    for (const ws of wss.clients) if (ws.pulse.conn.insights) ws.pulse.send(frame);
  }
}, 5000).unref();

server.listen(port, host, () => {
  const addr = server.address();
  process.stdout.write(`pulse listening on http://${host}:${addr.port}\n`);
});

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const ws of wss.clients) ws.close(1001, 'shutdown');
    server.close();
    setTimeout(() => process.exit(0), 100).unref();
  });
}
