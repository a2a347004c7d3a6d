// Shared helpers for the pulse integration tests.
//
//  - startPulse(): runs the daemon (env PULSE_BIN, default ../../build/pulse) with
//    `--port 0 --db :memory:` plus per-test flags, waits (bounded) for the
//    `pulse listening on http://HOST:PORT` line and parses the port.
//  - runPulse(): runs the binary to completion (CLI tests), bounded.
//  - Client: a `ws` client wrapper that collects JSON messages, with
//    next(predicate, timeoutMs) and request/response by `id`.
//  - RawClient: a node:net client for RFC 6455 tests: builds frames by hand
//    (mask, opcode, RSV, FIN, 7/16/64-bit lengths), splits writes, parses the
//    server's HTTP responses and frames (including the close code).
//
// Every wait is bounded; every daemon started here is killed when the test
// file's process exits, even after a failure.

import { spawn } from 'node:child_process';
import net from 'node:net';
import crypto from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const here = path.dirname(fileURLToPath(import.meta.url));
export const PULSE_BIN = path.resolve(here, process.env.PULSE_BIN || '../../build/pulse');

export const RFC_SAMPLE_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
export const RFC_SAMPLE_ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';
export const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const OP = { CONT: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa };
export const RESERVED_CLOSE_CODES = [1005, 1006, 1015];

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function acceptFor(key) {
  return crypto.createHash('sha1').update(key + WS_GUID).digest('base64');
}

export function randomKey() {
  return crypto.randomBytes(16).toString('base64');
}

/** Rejects after `ms` with `what` in the message; the timer never keeps the process alive. */
export function withTimeout(promise, ms, what = 'operation') {
  let timer;
  const t = new Promise((_, rej) => {
    timer = setTimeout(() => rej(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    timer.unref?.();
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

/** Polls `fn` (sync or async) until it returns a truthy value; returns that value. Bounded. */
export async function waitFor(fn, { timeoutMs = 5000, intervalMs = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${fmt(last)}`);
    }
    await sleep(intervalMs);
  }
}

function fmt(v) {
  if (v instanceof Error) return v.message;
  try {
    const s = JSON.stringify(v);
    return s && s.length > 800 ? s.slice(0, 800) + '…' : s;
  } catch {
    return String(v);
  }
}

/** A JSON text of exactly `totalBytes` UTF-8 bytes: `obj` plus a "pad" field of x's. */
export function paddedJson(obj, totalBytes) {
  const base = JSON.stringify({ ...obj, pad: '' });
  const n = totalBytes - Buffer.byteLength(base);
  if (n < 0) throw new Error(`paddedJson: ${totalBytes} bytes is too small for ${base}`);
  const s = JSON.stringify({ ...obj, pad: 'x'.repeat(n) });
  if (Buffer.byteLength(s) !== totalBytes) throw new Error('paddedJson: size mismatch');
  return s;
}

// ---------------------------------------------------------------------------
// Daemon processes

const live = new Set();
function killAll() {
  for (const c of live) {
    try {
      c.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    killAll();
    process.exit(130);
  });
}

export const LISTEN_RE = /^pulse listening on (https?):\/\/(\[[^\]]+\]|[^\s:/]+):(\d+)$/;

export class Daemon {
  constructor(child, args) {
    this.child = child;
    this.args = args;
    this.pid = child.pid;
    this.stdout = '';
    this.stderr = '';
    this.stdoutLines = [];
    this.exitInfo = null;
    this._lineWaiters = [];
    let partial = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      this.stdout += d;
      partial += d;
      let i;
      while ((i = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, i).replace(/\r$/, '');
        partial = partial.slice(i + 1);
        this.stdoutLines.push(line);
        for (const w of [...this._lineWaiters]) w(line);
      }
    });
    child.stderr.on('data', (d) => {
      this.stderr += d;
      if (process.env.PULSE_TEST_VERBOSE) process.stderr.write(`[pulse ${this.pid}] ${d}`);
    });
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal, at: Date.now() };
        live.delete(child);
        resolve(this.exitInfo);
      });
      child.on('error', (err) => {
        this.spawnError = err;
        this.exitInfo = { code: null, signal: null, error: err, at: Date.now() };
        live.delete(child);
        resolve(this.exitInfo);
      });
    });
  }

  get running() {
    return this.exitInfo === null;
  }

  /** Waits (bounded) for the listening line and parses scheme/host/port. */
  async ready(timeoutMs = 5000) {
    const found = () => this.stdoutLines.find((l) => l.startsWith('pulse listening on '));
    const line = await withTimeout(
      new Promise((resolve, reject) => {
        const hit = found();
        if (hit) return resolve(hit);
        const onLine = (l) => {
          if (l.startsWith('pulse listening on ')) {
            cleanup();
            resolve(l);
          }
        };
        const cleanup = () => {
          this._lineWaiters = this._lineWaiters.filter((w) => w !== onLine);
        };
        this._lineWaiters.push(onLine);
        this.exited.then((info) => {
          cleanup();
          reject(
            new Error(
              `pulse exited before listening (code ${info.code}, signal ${info.signal}` +
                `${info.error ? ', ' + info.error.message : ''}); ` +
                `args: ${this.args.join(' ')}; stderr: ${this.stderr.trim()}`,
            ),
          );
        });
      }),
      timeoutMs,
      `"pulse listening on ..." from ${PULSE_BIN} ${this.args.join(' ')} (stdout so far: ${JSON.stringify(this.stdout)}, stderr: ${JSON.stringify(this.stderr)})`,
    ).catch((e) => {
      this.kill('SIGKILL');
      throw e;
    });
    const m = LISTEN_RE.exec(line);
    if (!m) {
      this.kill('SIGKILL');
      throw new Error(`malformed listening line: ${JSON.stringify(line)}`);
    }
    this.listenLine = line;
    this.scheme = m[1];
    this.host = m[2].replace(/^\[|\]$/g, '');
    this.port = Number(m[3]);
    this.url = `${this.scheme}://${m[2]}:${this.port}`;
    this.wsUrl = `${this.scheme === 'https' ? 'wss' : 'ws'}://${m[2]}:${this.port}/ws`;
    return this;
  }

  kill(signal = 'SIGKILL') {
    if (this.running) {
      try {
        this.child.kill(signal);
      } catch {
        /* gone */
      }
    }
  }

  /** Sends `signal` and waits up to timeoutMs for exit, then SIGKILLs. Returns exit info. */
  async stop(signal = 'SIGTERM', timeoutMs = 3000) {
    if (!this.running) return { ...this.exitInfo, alreadyExited: true };
    const sentAt = Date.now();
    this.kill(signal);
    let timer;
    const timedOut = await Promise.race([
      this.exited.then(() => false),
      new Promise((r) => {
        timer = setTimeout(() => r(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.kill('SIGKILL');
      const info = await this.exited;
      return { ...info, timedOut: true, elapsedMs: Date.now() - sentAt };
    }
    return { ...this.exitInfo, timedOut: false, elapsedMs: this.exitInfo.at - sentAt };
  }
}

function withDefaults(args) {
  const out = [];
  if (!args.includes('--port')) out.push('--port', '0');
  if (!args.includes('--db')) out.push('--db', ':memory:');
  return [...out, ...args];
}

/** Spawns the daemon with `--port 0 --db :memory:` (unless given) + args; waits for it to listen. */
export async function startPulse(args = [], { timeoutMs = 5000, env, cwd, raw = false } = {}) {
  const full = raw ? args : withDefaults(args);
  const child = spawn(PULSE_BIN, full, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
    cwd: cwd ?? here,
  });
  live.add(child);
  const d = new Daemon(child, full);
  await d.ready(timeoutMs);
  return d;
}

/** startPulse + stop it when the test `t` (or suite) ends, whatever the outcome. Under a
 *  sanitizer build (PULSE_SANITIZER=1) the daemon is stopped with SIGTERM instead, and the test
 *  fails unless it exits 0 with no sanitizer report: leaks are only reported at a clean exit. */
export async function withPulse(t, args = [], opts = {}) {
  const d = await startPulse(args, opts);
  t.after(async () => {
    if (!process.env.PULSE_SANITIZER) return d.stop('SIGKILL', 2000);
    const info = await d.stop('SIGTERM', 5000);
    if (info.alreadyExited) return info;
    const report = /(AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:)/.test(d.stderr);
    if (info.code !== 0 || report) {
      throw new Error(`daemon did not exit cleanly under the sanitizer (code ${info.code}, signal ${info.signal}):\n${d.stderr.slice(-4000)}`);
    }
    return info;
  });
  return d;
}

/** Runs the binary to completion (bounded): {code, signal, stdout, stderr, timedOut}. */
export function runPulse(args, { timeoutMs = 5000, env, cwd } = {}) {
  return new Promise((resolve) => {
    const child = spawn(PULSE_BIN, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
      cwd: cwd ?? here,
    });
    live.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code: null, signal: null, stdout, stderr, timedOut, error: err });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

// ---------------------------------------------------------------------------
// WebSocket client wrapper (ws)

let reqSeq = 0;

export class Client {
  /** Connects, waits for the welcome frame (bounded). */
  static async connect(url, { timeoutMs = 5000, welcome = true, wsOptions = {} } = {}) {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs, ...wsOptions });
    const c = new Client(ws);
    await withTimeout(
      new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
        ws.once('unexpected-response', (_req, res) =>
          reject(new Error(`unexpected HTTP ${res.statusCode} on upgrade to ${url}`)),
        );
      }),
      timeoutMs,
      `WebSocket open ${url}`,
    );
    if (welcome) {
      c.welcome = await c.next((m) => m.type === 'welcome', timeoutMs);
      c.id = c.welcome.connection_id;
    }
    return c;
  }

  constructor(ws) {
    this.ws = ws;
    this.queue = []; // undelivered messages
    this.all = []; // every message, in arrival order
    this.waiters = [];
    this.closeInfo = null;
    this.pings = 0;
    ws.on('ping', () => this.pings++);
    ws.on('error', (e) => {
      this.error = e;
    });
    ws.on('message', (data, isBinary) => {
      let m;
      if (isBinary) m = { __binary: true, data };
      else {
        const text = data.toString('utf8');
        try {
          m = JSON.parse(text);
        } catch {
          m = { __unparsed: text };
        }
      }
      this.all.push(m);
      const w = this.waiters.find((x) => x.pred(m));
      if (w) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(m);
      } else this.queue.push(m);
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString('utf8') };
        for (const w of this.waiters.splice(0)) {
          w.reject(
            new Error(
              `connection closed (code ${code}) while waiting for ${w.what}; last messages: ${fmt(this.all.slice(-5))}`,
            ),
          );
        }
        resolve(this.closeInfo);
      });
    });
  }

  get isOpen() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Next (unconsumed) message matching pred; consumes it. Bounded. */
  next(pred = () => true, timeoutMs = 3000, what = 'a matching message') {
    const i = this.queue.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0]);
    if (this.closeInfo) {
      return Promise.reject(new Error(`connection already closed (code ${this.closeInfo.code}) waiting for ${what}`));
    }
    return new Promise((resolve, reject) => {
      const w = { pred, resolve, reject, what };
      const timer = setTimeout(() => {
        const k = this.waiters.indexOf(w);
        if (k >= 0) this.waiters.splice(k, 1);
        reject(
          new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last messages: ${fmt(this.all.slice(-5))}`),
        );
      }, timeoutMs);
      w.resolve = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
      w.reject = (e) => {
        clearTimeout(timer);
        reject(e);
      };
      this.waiters.push(w);
    });
  }

  /** Removes and returns every queued message matching pred (no waiting). */
  take(pred = () => true) {
    const out = [];
    this.queue = this.queue.filter((m) => {
      if (pred(m)) {
        out.push(m);
        return false;
      }
      return true;
    });
    return out;
  }

  send(obj) {
    this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
  }

  sendBinary(buf) {
    this.ws.send(buf, { binary: true });
  }

  /** Sends obj with an id (assigned when absent); resolves with the reply carrying that id. */
  request(obj, timeoutMs = 3000) {
    const msg = { ...obj };
    if (msg.id === undefined) msg.id = `r${++reqSeq}`;
    const id = msg.id;
    const p = this.next((m) => m && m.id === id, timeoutMs, `reply to ${JSON.stringify(msg).slice(0, 200)}`);
    this.send(msg);
    return p;
  }

  /** Ping round-trip: every frame the server queued for us before it is in this.queue afterwards. */
  async barrier(timeoutMs = 3000) {
    const r = await this.request({ type: 'ping' }, timeoutMs);
    if (r.type !== 'pong') throw new Error(`barrier: expected pong, got ${fmt(r)}`);
    return r;
  }

  async close(code = 1000, timeoutMs = 2000) {
    if (this.closeInfo) return this.closeInfo;
    try {
      this.ws.close(code);
    } catch {
      /* ignore */
    }
    try {
      return await withTimeout(this.closed, timeoutMs, 'close handshake');
    } catch {
      this.ws.terminate();
      return this.closed;
    }
  }

  terminate() {
    this.ws.terminate();
  }
}

export async function connectMany(url, n, { batch = 25, ...opts } = {}) {
  const out = [];
  for (let i = 0; i < n; i += batch) {
    const k = Math.min(batch, n - i);
    out.push(...(await Promise.all(Array.from({ length: k }, () => Client.connect(url, opts)))));
  }
  return out;
}

export async function closeAll(clients) {
  await Promise.all(clients.map((c) => c.close().catch(() => c.terminate())));
}

// ---------------------------------------------------------------------------
// Raw RFC 6455 frames

/**
 * Builds one frame. payload: Buffer | string | object (JSON). lenEncoding: 7 | 16 | 64 to force
 * the length form (default: minimal). mask: true (client default) or false.
 */
export function buildFrame({
  fin = true,
  rsv = 0,
  opcode = OP.TEXT,
  payload = Buffer.alloc(0),
  mask = true,
  maskKey,
  lenEncoding,
} = {}) {
  const data = Buffer.isBuffer(payload)
    ? payload
    : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload), 'utf8');
  const n = data.length;
  const enc = lenEncoding ?? (n < 126 ? 7 : n < 65536 ? 16 : 64);
  const head = [(fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0xf)];
  const mbit = mask ? 0x80 : 0;
  let ext = Buffer.alloc(0);
  if (enc === 7) {
    if (n > 125) throw new Error('7-bit length needs payload <= 125');
    head.push(mbit | n);
  } else if (enc === 16) {
    if (n > 0xffff) throw new Error('16-bit length needs payload <= 65535');
    head.push(mbit | 126);
    ext = Buffer.alloc(2);
    ext.writeUInt16BE(n);
  } else {
    head.push(mbit | 127);
    ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(BigInt(n));
  }
  if (!mask) return Buffer.concat([Buffer.from(head), ext, data]);
  const key = maskKey ?? crypto.randomBytes(4);
  const masked = Buffer.alloc(n);
  for (let i = 0; i < n; i++) masked[i] = data[i] ^ key[i & 3];
  return Buffer.concat([Buffer.from(head), ext, key, masked]);
}

export function closePayload(code, reason = '') {
  if (code === undefined || code === null) return Buffer.alloc(0);
  const r = Buffer.isBuffer(reason) ? reason : Buffer.from(reason, 'utf8');
  const b = Buffer.alloc(2 + r.length);
  b.writeUInt16BE(code);
  r.copy(b, 2);
  return b;
}

/** Parses one frame at the start of buf: {frame, size} or null when incomplete. */
export function parseFrame(buf) {
  if (buf.length < 2) return null;
  const b0 = buf[0];
  const b1 = buf[1];
  let len = b1 & 0x7f;
  let off = 2;
  let lenEncoding = 7;
  if (len === 126) {
    if (buf.length < 4) return null;
    len = buf.readUInt16BE(2);
    off = 4;
    lenEncoding = 16;
  } else if (len === 127) {
    if (buf.length < 10) return null;
    const big = buf.readBigUInt64BE(2);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('server frame length too large');
    len = Number(big);
    off = 10;
    lenEncoding = 64;
  }
  const masked = (b1 & 0x80) !== 0;
  let key = null;
  if (masked) {
    if (buf.length < off + 4) return null;
    key = buf.subarray(off, off + 4);
    off += 4;
  }
  if (buf.length < off + len) return null;
  let payload = Buffer.from(buf.subarray(off, off + len));
  if (masked) for (let i = 0; i < len; i++) payload[i] ^= key[i & 3];
  const frame = {
    fin: (b0 & 0x80) !== 0,
    rsv: (b0 >> 4) & 7,
    opcode: b0 & 0xf,
    masked,
    length: len,
    lenEncoding,
    payload,
  };
  if (frame.opcode === OP.CLOSE) {
    frame.code = len >= 2 ? payload.readUInt16BE(0) : null;
    frame.reason = len > 2 ? payload.subarray(2).toString('utf8') : '';
  }
  if (frame.opcode === OP.TEXT) frame.text = payload.toString('utf8');
  return { frame, size: off + len };
}

/** Parses one HTTP response at the start of buf: {resp, size} or null when incomplete. */
export function parseHttpResponse(buf, ended = false) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const head = buf.subarray(0, end).toString('latin1');
  const lines = head.split('\r\n');
  const m = /^HTTP\/(\d\.\d) (\d{3})(?: (.*))?$/.exec(lines[0]);
  if (!m) throw new Error(`bad HTTP status line: ${JSON.stringify(lines[0])}`);
  const headers = {};
  const rawHeaders = [];
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i < 0) continue;
    const k = l.slice(0, i).trim().toLowerCase();
    const v = l.slice(i + 1).trim();
    rawHeaders.push([l.slice(0, i), v]);
    headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
  }
  const status = Number(m[2]);
  const resp = { httpVersion: m[1], status, statusText: m[3] ?? '', headers, rawHeaders, head };
  let off = end + 4;
  if (status === 101 || status === 204 || status === 304 || (status >= 100 && status < 200)) {
    resp.body = Buffer.alloc(0);
  } else if (headers['transfer-encoding'] && /chunked/i.test(headers['transfer-encoding'])) {
    const parts = [];
    for (;;) {
      const le = buf.indexOf('\r\n', off);
      if (le < 0) return null;
      const size = parseInt(buf.subarray(off, le).toString('latin1'), 16);
      off = le + 2;
      if (size === 0) {
        const te = buf.indexOf('\r\n', off); // no trailers expected
        if (te < 0) return null;
        off = te + 2;
        break;
      }
      if (buf.length < off + size + 2) return null;
      parts.push(buf.subarray(off, off + size));
      off += size + 2;
    }
    resp.body = Buffer.concat(parts);
  } else if (headers['content-length'] !== undefined) {
    const n = Number(headers['content-length']);
    if (buf.length < off + n) return null;
    resp.body = Buffer.from(buf.subarray(off, off + n));
    off += n;
  } else {
    if (!ended) return null; // body delimited by connection close
    resp.body = Buffer.from(buf.subarray(off));
    off = buf.length;
  }
  resp.text = resp.body.toString('utf8');
  return { resp, size: off };
}

/** Builds an upgrade request. omit: header names to leave out; headers: extra/override (name → value). */
export function buildUpgradeRequest({
  path: p = '/ws',
  method = 'GET',
  host = '127.0.0.1',
  key = RFC_SAMPLE_KEY,
  version = '13',
  omit = [],
  headers = {},
  httpVersion = '1.1',
} = {}) {
  const base = [
    ['Host', host],
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Key', key],
    ['Sec-WebSocket-Version', version],
  ];
  const lower = (s) => s.toLowerCase();
  const overrides = Object.keys(headers).map(lower);
  const omitted = omit.map(lower);
  const lines = [`${method} ${p} HTTP/${httpVersion}`];
  for (const [k, v] of base) {
    if (omitted.includes(lower(k)) || overrides.includes(lower(k))) continue;
    lines.push(`${k}: ${v}`);
  }
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return lines.join('\r\n') + '\r\n\r\n';
}

export class RawClient {
  static async connect(port, host = '127.0.0.1', { timeoutMs = 3000, autoPong = false } = {}) {
    const sock = net.connect({ port, host });
    sock.setNoDelay(true);
    await withTimeout(
      new Promise((resolve, reject) => {
        sock.once('connect', resolve);
        sock.once('error', reject);
      }),
      timeoutMs,
      `TCP connect ${host}:${port}`,
    );
    return new RawClient(sock, { autoPong });
  }

  /** connect + handshake; asserts 101 and reads the welcome frame (unless welcome:false). */
  static async open(port, { host, autoPong = false, welcome = true, ...hs } = {}) {
    const c = await RawClient.connect(port, host, { autoPong });
    const resp = await c.handshake(hs);
    if (resp.status !== 101) {
      c.destroy();
      throw new Error(`expected 101, got ${resp.status}: ${resp.head}`);
    }
    if (welcome) {
      c.welcome = await c.nextJson((m) => m.type === 'welcome');
      c.id = c.welcome.connection_id;
    }
    return c;
  }

  constructor(sock, { autoPong = false } = {}) {
    this.sock = sock;
    this.autoPong = autoPong;
    this.buf = Buffer.alloc(0);
    this.mode = 'http';
    this.frames = []; // undelivered
    this.allFrames = [];
    this.responses = [];
    this.waiters = [];
    this.ended = false;
    this.errors = [];
    this.pingsReceived = 0;
    this.parseError = null;
    sock.on('data', (d) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      this._pump();
    });
    sock.on('error', (e) => this.errors.push(e));
    this.closedPromise = new Promise((resolve) => {
      sock.on('close', () => {
        this.ended = true;
        this.endedAt = Date.now();
        this._pump();
        this._notify();
        resolve(true);
      });
    });
    sock.on('end', () => {
      this.gotFin = true;
      this._pump();
      this._notify();
    });
  }

  _pump() {
    for (;;) {
      if (this.mode === 'http') {
        let r;
        try {
          r = parseHttpResponse(this.buf, this.ended || this.gotFin);
        } catch (e) {
          this.parseError = e;
          break;
        }
        if (!r) break;
        this.buf = this.buf.subarray(r.size);
        this.responses.push(r.resp);
        if (r.resp.status === 101) this.mode = 'ws';
        continue;
      }
      let r;
      try {
        r = parseFrame(this.buf);
      } catch (e) {
        this.parseError = e;
        break;
      }
      if (!r) break;
      this.buf = this.buf.subarray(r.size);
      const f = r.frame;
      f.at = Date.now();
      this.allFrames.push(f);
      if (f.opcode === OP.PING) {
        this.pingsReceived++;
        if (this.autoPong && !this.sock.destroyed) {
          this.sock.write(buildFrame({ opcode: OP.PONG, payload: f.payload }));
        }
      }
      this.frames.push(f);
    }
    this._notify();
  }

  _notify() {
    for (const w of [...this.waiters]) w.check();
  }

  _wait(check, timeoutMs, what) {
    return new Promise((resolve, reject) => {
      let timer;
      const w = {
        check: () => {
          let r;
          try {
            r = check();
          } catch (e) {
            done();
            reject(e);
            return;
          }
          if (r !== undefined) {
            done();
            resolve(r);
          }
        },
      };
      const done = () => {
        clearTimeout(timer);
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
      };
      timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; frames: ${fmt(this.allFrames.slice(-5).map(describeFrame))}; ended: ${this.ended}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(w);
      w.check();
    });
  }

  write(data) {
    if (this.sock.destroyed) return false;
    return this.sock.write(data);
  }

  /** Writes data in `chunk`-byte pieces, pausing delayMs between them. */
  async writeSplit(data, chunk = 3, delayMs = 1) {
    const b = Buffer.isBuffer(data) ? data : Buffer.from(data, 'latin1');
    for (let i = 0; i < b.length; i += chunk) {
      this.write(b.subarray(i, i + chunk));
      await sleep(delayMs);
    }
  }

  sendFrame(opts) {
    return this.write(buildFrame(opts));
  }

  sendText(str, extra = {}) {
    return this.sendFrame({ opcode: OP.TEXT, payload: Buffer.from(str, 'utf8'), ...extra });
  }

  sendJson(obj, extra = {}) {
    return this.sendText(JSON.stringify(obj), extra);
  }

  sendClose(code, reason = '', extra = {}) {
    return this.sendFrame({ opcode: OP.CLOSE, payload: closePayload(code, reason), ...extra });
  }

  /** Next HTTP response (bounded). */
  response(timeoutMs = 3000) {
    return this._wait(
      () => {
        if (this.responses.length) return this.responses.shift();
        if (this.parseError) throw this.parseError;
        if (this.ended) throw new Error(`connection closed before an HTTP response; got ${JSON.stringify(this.buf.toString('latin1').slice(0, 300))}`);
        return undefined;
      },
      timeoutMs,
      'an HTTP response',
    );
  }

  /** Sends an upgrade request (optionally in `split`-byte writes, optionally followed in the
   *  same write by `pipelined` bytes) and resolves with the parsed response. */
  async handshake({ split, pipelined, request, timeoutMs = 3000, ...reqOpts } = {}) {
    const req = Buffer.from(request ?? buildUpgradeRequest(reqOpts), 'latin1');
    const all = pipelined ? Buffer.concat([req, pipelined]) : req;
    if (split) await this.writeSplit(all, split);
    else this.write(all);
    return this.response(timeoutMs);
  }

  /** Next frame matching pred (consumed); resolves null if the connection ends first. */
  nextFrame(pred = () => true, timeoutMs = 3000, what = 'a frame') {
    return this._wait(
      () => {
        const i = this.frames.findIndex(pred);
        if (i >= 0) return this.frames.splice(i, 1)[0];
        if (this.parseError) throw this.parseError;
        if (this.ended) return null;
        return undefined;
      },
      timeoutMs,
      what,
    );
  }

  /** Next text frame whose JSON matches pred. Rejects if the connection ends first. */
  async nextJson(pred = () => true, timeoutMs = 3000) {
    const f = await this.nextFrame(
      (fr) => {
        if (fr.opcode !== OP.TEXT) return false;
        try {
          return pred(JSON.parse(fr.text));
        } catch {
          return false;
        }
      },
      timeoutMs,
      'a JSON text frame',
    );
    if (!f) throw new Error(`connection ended while waiting for a JSON frame; frames: ${fmt(this.allFrames.map(describeFrame))}`);
    return JSON.parse(f.text);
  }

  /** Request/response by id over the raw connection. */
  async request(obj, timeoutMs = 3000) {
    const msg = { ...obj };
    if (msg.id === undefined) msg.id = `raw${++reqSeq}`;
    const p = this.nextJson((m) => m.id === msg.id, timeoutMs);
    this.sendJson(msg);
    return p;
  }

  /**
   * Waits for the server's close frame or the end of the TCP connection, then (bounded) for the
   * TCP close (answering the close frame first unless reply:false).
   * Returns {code, reason, frame, closeFrame: bool, tcpClosed, framesBefore}.
   */
  async expectClose(timeoutMs = 3000, { reply = true } = {}) {
    const frame = await this.nextFrame((f) => f.opcode === OP.CLOSE, timeoutMs, 'a close frame or TCP close');
    // A well-behaved client answers the server's close frame; the server then closes TCP.
    if (frame && reply && !this.ended && !this.sock.destroyed) {
      const valid = frame.code !== null && frame.code >= 1000 && frame.code < 5000 && !RESERVED_CLOSE_CODES.includes(frame.code);
      this.sendClose(valid ? frame.code : undefined);
    }
    const tcpClosed = await this.waitEnd(timeoutMs);
    return {
      closeFrame: !!frame,
      code: frame ? frame.code : null,
      reason: frame ? frame.reason : null,
      frame,
      tcpClosed,
      framesBefore: this.allFrames.filter((f) => f.opcode !== OP.CLOSE),
    };
  }

  /** true when the TCP connection is closed within timeoutMs. */
  async waitEnd(timeoutMs = 3000) {
    if (this.ended) return true;
    let timer;
    const r = await Promise.race([
      this.closedPromise,
      new Promise((res) => {
        timer = setTimeout(() => res(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return r;
  }

  /** Every close frame the server sent (for the "never 1005/1006/1015" rule). */
  closeCodesSeen() {
    return this.allFrames.filter((f) => f.opcode === OP.CLOSE).map((f) => f.code);
  }

  pause() {
    this.sock.pause();
  }

  resume() {
    this.sock.resume();
  }

  destroy() {
    this.sock.destroy();
  }
}

export function describeFrame(f) {
  const d = { op: f.opcode, fin: f.fin, len: f.length };
  if (f.rsv) d.rsv = f.rsv;
  if (f.masked) d.masked = true;
  if (f.opcode === OP.CLOSE) d.code = f.code;
  if (f.opcode === OP.TEXT) d.text = f.text.length > 120 ? f.text.slice(0, 120) + '…' : f.text;
  return d;
}

/** One HTTP request over a fresh socket (raw text); resolves with the parsed response. */
export async function httpRaw(port, request, { timeoutMs = 3000, host = '127.0.0.1' } = {}) {
  const c = await RawClient.connect(port, host);
  try {
    c.write(Buffer.from(request, 'latin1'));
    return await c.response(timeoutMs);
  } finally {
    c.destroy();
  }
}

export function httpGet(port, p, { headers = {}, ...opts } = {}) {
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return httpRaw(port, `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${extra}\r\n`, opts);
}
