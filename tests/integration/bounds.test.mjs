// The total bound on outbound queues (--max-total-queue-bytes, SPEC section 7): when all queues
// together would pass it, the connection whose queue would grow is closed, and the counters say so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { withPulse, Client, RawClient, sleep } from './lib.mjs';

const FAST = ['--rate-limit', '100000', '--rate-burst', '100000'];

/** A temporary --static directory holding index.html, removed after the test. */
function staticRoot(t) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pulse-bounds-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>t</title>');
  return root;
}

async function counter(port, name) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

test('--max-total-queue-bytes closes the slow readers that push all queues past it', async (t) => {
  // The per-connection bound is far away; only the total one can trip.
  const d = await withPulse(t, [...FAST, '--max-queue-bytes', String(64 << 20),
    '--max-total-queue-bytes', String(256 << 10)]);
  const slow = [];
  for (let i = 0; i < 2; i++) {
    const r = await RawClient.open(d.port);
    t.after(() => r.destroy());
    assert.equal((await r.request({ type: 'subscribe', channel: 'big' })).type, 'subscribed');
    r.pause();
    slow.push(r);
  }
  const fast = await Client.connect(d.wsUrl);
  const pub = await Client.connect(d.wsUrl);
  t.after(() => Promise.all([fast.close(), pub.close()]));
  await fast.request({ type: 'subscribe', channel: 'big' });

  const body = 'q'.repeat(32 * 1024);
  let seq = 0;
  let closes = 0;
  for (let round = 0; round < 80 && closes < 2; round++) {
    for (let i = 0; i < 8; i++) pub.send({ type: 'publish', channel: 'big', data: { seq: seq++, body } });
    for (let i = 0; i < 8; i++) await pub.next((m) => m.type === 'published', 10000);
    closes = await counter(d.port, 'pulse_slow_consumer_closes_total');
  }
  assert.ok(closes >= 1, `slow consumers closed after ${seq} messages: ${closes}`);
  // The fast subscriber got everything, in order, and is still connected.
  const got = [];
  while (got.length < seq) got.push((await fast.next((m) => m.type === 'message', 10000)).data.seq);
  assert.deepEqual(got, Array.from({ length: seq }, (_, i) => i));
  const st = await pub.request({ type: 'stats' });
  assert.ok(st.connections >= 2 && st.connections <= 3, `connections ${st.connections}`);
  assert.ok(st.dropped >= 1);
  for (const r of slow.slice(0, closes)) r.resume();
});

// An HTTP client that sends requests one by one and never reads (found by an adversarial test):
// its answers used to pile up without bound and count against the total, so the next metrics
// frame closed healthy WebSocket clients as slow consumers.
test('an HTTP client that never reads cannot push WebSocket clients out', async (t) => {
  const root = staticRoot(t);
  const SIZE = 4 << 20;
  fs.writeFileSync(path.join(root, 'big.bin'), Buffer.alloc(SIZE, 1));
  const d = await withPulse(t, ['--static', root, '--interval-ms', '100',
    '--max-total-queue-bytes', String(16 << 20)]);
  const ws = await Client.connect(d.wsUrl);
  t.after(() => ws.close());
  await ws.request({ type: 'subscribe', channel: 'metrics' });

  const N = 24; // 96 MiB of answers, far past the total bound and what loopback buffers hold
  const sock = net.connect(d.port, '127.0.0.1');
  t.after(() => sock.destroy());
  await new Promise((r) => sock.once('connect', r));
  sock.setNoDelay(true);
  sock.pause();
  for (let i = 0; i < N; i++) { // one request per segment, so each arrives in its own read
    sock.write(`GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1:${d.port}\r\n\r\n`);
    await sleep(20);
  }
  await sleep(500); // several metrics ticks while the HTTP answers wait
  const frame = await ws.next((m) => m.type === 'metrics', 3000, 'metrics after the HTTP burst');
  assert.equal(frame.type, 'metrics');
  assert.equal(await counter(d.port, 'pulse_slow_consumer_closes_total'), 0);
  assert.equal((await ws.request({ type: 'ping' })).type, 'pong');

  // The HTTP client was paused, not dropped: reading now, it gets every answer whole.
  let bytes = 0;
  sock.on('data', (c) => { bytes += c.length; });
  sock.resume();
  const want = N * SIZE;
  const deadline = Date.now() + 30000;
  while (bytes < want && Date.now() < deadline) await sleep(50);
  assert.ok(bytes >= want, `received ${bytes} of at least ${want} bytes`);
});

// Pipelined requests whose answers pass the per-connection bound wait (the rest of the read is
// kept) and are answered when the earlier answers are out; they used to end the connection.
test('pipelined requests past the queue bound are all answered, in order', async (t) => {
  const root = staticRoot(t);
  const SIZE = 3 << 20;
  for (let i = 0; i < 8; i++) fs.writeFileSync(path.join(root, `f${i}.bin`), Buffer.alloc(SIZE, 48 + i));
  const d = await withPulse(t, ['--static', root, '--max-queue-bytes', String(4 << 20)]);
  const sock = net.connect(d.port, '127.0.0.1');
  t.after(() => sock.destroy());
  await new Promise((r) => sock.once('connect', r));
  let req = '';
  for (let i = 0; i < 8; i++) req += `GET /f${i}.bin HTTP/1.1\r\nHost: 127.0.0.1:${d.port}\r\n\r\n`;
  req += `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${d.port}\r\nConnection: close\r\n\r\n`;
  const chunks = [];
  sock.on('data', (c) => chunks.push(c));
  const closed = new Promise((r) => sock.once('close', r));
  sock.write(req); // one write: the daemon reads all nine requests at once
  await Promise.race([closed, sleep(30000)]);
  const all = Buffer.concat(chunks);
  let off = 0;
  for (let i = 0; i < 8; i++) {
    const end = all.indexOf('\r\n\r\n', off);
    assert.ok(end > 0, `answer ${i} present`);
    const head = all.subarray(off, end).toString('latin1');
    assert.match(head, /^HTTP\/1\.1 200/, `answer ${i}`);
    const len = Number(/content-length: (\d+)/i.exec(head)[1]);
    assert.equal(len, SIZE);
    assert.equal(all[end + 4], 48 + i, `answer ${i} is f${i}.bin`);
    off = end + 4 + len;
  }
  const last = all.subarray(off).toString('latin1');
  assert.match(last, /^HTTP\/1\.1 200[\s\S]*\r\n\r\nok$/);
});

// A burst of pipelined requests is answered in batches (other clients get their turn between
// them); every request is answered, in order, and the stashed rest is not lost.
test('hundreds of pipelined requests in one read are all answered, in order', async (t) => {
  const d = await withPulse(t, []);
  const sock = net.connect(d.port, '127.0.0.1');
  t.after(() => sock.destroy());
  await new Promise((r) => sock.once('connect', r));
  const N = 300;
  let req = '';
  for (let i = 0; i < N; i++) req += `GET /api/history?metric=cpu.usage&seconds=${i + 1} HTTP/1.1\r\nHost: x\r\n\r\n`;
  req += 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
  const chunks = [];
  sock.on('data', (c) => chunks.push(c));
  const closed = new Promise((r) => sock.once('close', r));
  sock.write(req);
  await Promise.race([closed, sleep(20000)]);
  const text = Buffer.concat(chunks).toString('latin1');
  const statuses = [...text.matchAll(/HTTP\/1\.1 (\d+) /g)].map((m) => m[1]); // bodies end without a newline
  assert.equal(statuses.length, N + 1);
  assert.ok(statuses.every((s) => s === '200' || s === '400'), statuses.join(','));
  assert.ok(text.endsWith('\r\n\r\nok'), 'the last answer is /healthz, and the connection then closed');
});

// Slowloris: a request trickled a byte at a time kept the connection forever (every byte reset
// the 30 s idle clock). A request must now arrive whole within 10 s of its first byte.
test('a request trickled byte by byte is dropped after the request deadline', async (t) => {
  const d = await withPulse(t, []);
  const sock = net.connect(d.port, '127.0.0.1');
  t.after(() => sock.destroy());
  await new Promise((r) => sock.once('connect', r));
  let closed = false;
  sock.on('close', () => { closed = true; });
  sock.on('error', () => {});
  sock.write('GET / HTTP/1.1\r\nHost: x\r\n');
  const t0 = Date.now();
  while (!closed && Date.now() - t0 < 20000) {
    sock.write('X'); // part of a header that never ends
    await sleep(500);
  }
  assert.ok(closed, 'still open after 20 s of trickling');
  // A client that sends whole requests is not affected.
  assert.equal((await fetch(`http://127.0.0.1:${d.port}/healthz`)).status, 200);
});

// A final answer (Connection: close) is queued after its head set the connection to drain; its
// body used to skip the total bound, so non-reading HTTP clients could still push WebSockets out.
test('final HTTP answers (Connection: close) count against the total bound too', async (t) => {
  const root = staticRoot(t);
  fs.writeFileSync(path.join(root, 'big.bin'), Buffer.alloc(12 << 20, 2));
  const d = await withPulse(t, ['--static', root, '--interval-ms', '100',
    '--max-total-queue-bytes', String(32 << 20)]);
  const ws = await Client.connect(d.wsUrl);
  t.after(() => ws.close());
  await ws.request({ type: 'subscribe', channel: 'metrics' });
  const socks = [];
  for (let i = 0; i < 8; i++) { // 96 MiB of answers, three times the total bound
    const s = net.connect(d.port, '127.0.0.1');
    t.after(() => s.destroy());
    s.on('error', () => {});
    await new Promise((r) => s.once('connect', r));
    s.pause();
    s.write(`GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1:${d.port}\r\nConnection: close\r\n\r\n`);
    socks.push(s);
  }
  await sleep(600);
  assert.equal((await ws.next((m) => m.type === 'metrics', 3000)).type, 'metrics');
  assert.equal((await ws.request({ type: 'ping' })).type, 'pong');
  const st = await ws.request({ type: 'stats' });
  assert.equal(st.connections, 1, 'the WebSocket is still open');
});

// libuv reports a write only when all of it is done; a paused keep-alive download used to be
// dropped 10 s after it paused even though the client kept reading. Slow: about 16 s.
test('a slow but steady reader of a large keep-alive answer gets all of it', async (t) => {
  const root = staticRoot(t);
  const SIZE = 24 << 20;
  fs.writeFileSync(path.join(root, 'big.bin'), Buffer.alloc(SIZE, 3));
  const d = await withPulse(t, ['--static', root]);
  const sock = net.connect(d.port, '127.0.0.1');
  t.after(() => sock.destroy());
  await new Promise((r) => sock.once('connect', r));
  let bytes = 0;
  let want = Infinity; // head + body, known once the head arrived
  let closed = false;
  sock.on('close', () => { closed = true; });
  sock.on('data', (c) => {
    if (bytes === 0) want = c.indexOf('\r\n\r\n') + 4 + SIZE;
    bytes += c.length;
    sock.pause(); // about 1.5 MB/s: each chunk of up to 64 KiB, then 40 ms
    setTimeout(() => sock.resume(), 40);
  });
  sock.write(`GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1:${d.port}\r\n\r\n`);
  const t0 = Date.now();
  while (bytes < want && !closed && Date.now() - t0 < 60000) await sleep(100);
  assert.equal(bytes, want, `received ${bytes} bytes of ${want} (closed: ${closed})`);
  assert.equal(closed, false, 'keep-alive: the server did not close');
});

// An upgrade pipelined behind more requests than one batch, with a frame in the same write: the
// requests before it are answered from the stash in later iterations, then the connection
// becomes a WebSocket and the frame that followed is its first message.
test('an upgrade and a frame pipelined behind a batch of requests', async (t) => {
  const d = await withPulse(t, []);
  const sock = net.connect(d.port, '127.0.0.1');
  t.after(() => sock.destroy());
  await new Promise((r) => sock.once('connect', r));
  const N = 40; // more than the 32 answered per read
  let req = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${d.port}\r\n\r\n`.repeat(N);
  req += `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${d.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
  const payload = Buffer.from(JSON.stringify({ type: 'ping', id: 'p1' }));
  const mask = Buffer.from([1, 2, 3, 4]);
  const frame = Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask,
    Buffer.from(payload.map((b, i) => b ^ mask[i % 4]))]);
  const chunks = [];
  sock.on('data', (c) => chunks.push(c));
  sock.write(Buffer.concat([Buffer.from(req, 'latin1'), frame]));
  const all = () => Buffer.concat(chunks).toString('latin1');
  const t0 = Date.now();
  while (!all().includes('"id":"p1"') && Date.now() - t0 < 10000) await sleep(50);
  const text = all();
  const statuses = [...text.matchAll(/HTTP\/1\.1 (\d+) /g)].map((m) => m[1]);
  assert.deepEqual(statuses, [...Array(N).fill('200'), '101']);
  const ws = text.slice(text.indexOf('HTTP/1.1 101'));
  assert.ok(ws.indexOf('"type":"welcome"') < ws.indexOf('"type":"pong"'), 'welcome, then the pong');
  assert.match(ws, /"type":"pong"[^}]*"id":"p1"/);
});
