// RFC 6455 conformance over a raw TCP client (handshake, framing, control frames,
// fragmentation, UTF-8, close, size limit, heartbeat) and plain HTTP (/healthz).
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startPulse,
  withPulse,
  Client,
  RawClient,
  OP,
  buildFrame,
  buildUpgradeRequest,
  closePayload,
  paddedJson,
  httpGet,
  acceptFor,
  randomKey,
  sleep,
  RFC_SAMPLE_KEY,
  RFC_SAMPLE_ACCEPT,
  RESERVED_CLOSE_CODES,
  describeFrame,
} from './lib.mjs';

let d;
before(async () => {
  d = await startPulse([]);
});
after(async () => {
  await d?.stop('SIGTERM');
});
// A crash of the shared daemon is blamed on the test that caused it; the next tests get a new one.
afterEach(async () => {
  if (d && !d.running) {
    const info = d.exitInfo;
    const stderr = d.stderr.slice(-3000);
    d = await startPulse([]);
    throw new Error(`the daemon died during this test (code ${info.code}, signal ${info.signal}); stderr:\n${stderr}`);
  }
});

const open = (opts) => RawClient.open(d.port, opts);

/** Asserts that the server closes with `code` (close frame present) and then closes TCP. */
async function assertClosedWith(r, code, what) {
  const c = await r.expectClose(4000);
  assert.ok(c.closeFrame, `${what}: expected a close frame ${code}; frames: ${JSON.stringify(r.allFrames.map(describeFrame))}`);
  assert.equal(c.code, code, `${what}: close code`);
  assert.ok(c.tcpClosed, `${what}: server closed the TCP connection`);
  assert.equal(c.frame.masked, false, 'server frames are not masked');
  for (const k of r.closeCodesSeen()) assert.ok(!RESERVED_CLOSE_CODES.includes(k), `server sent reserved close code ${k}`);
  r.destroy();
  return c;
}

async function assertAlive(r, what = 'connection') {
  const p = await r.request({ type: 'ping', ts: 'alive' });
  assert.equal(p.type, 'pong', `${what} still answers`);
  assert.equal(p.ts, 'alive');
  assert.equal(r.ended, false);
  assert.deepEqual(r.closeCodesSeen(), [], `${what}: no close frame`);
}

function utf8(s) {
  return Buffer.from(s, 'utf8');
}

// ---------------------------------------------------------------------------
describe('handshake', () => {
  test('101 with the RFC sample key → s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', async () => {
    const r = await RawClient.connect(d.port);
    const resp = await r.handshake({ key: RFC_SAMPLE_KEY });
    assert.equal(resp.status, 101, resp.head);
    assert.equal(resp.httpVersion, '1.1');
    assert.equal(resp.headers['sec-websocket-accept'], RFC_SAMPLE_ACCEPT);
    assert.match(resp.headers.upgrade ?? '', /^websocket$/i);
    assert.match(resp.headers.connection ?? '', /(^|,)\s*upgrade\s*(,|$)/i);
    assert.equal(resp.headers['sec-websocket-extensions'], undefined, 'no extension negotiated when none offered');
    const w = await r.nextJson((m) => m.type === 'welcome');
    assert.equal(w.protocol, 1);
    r.destroy();
  });

  test('random key: accept = base64(sha1(key + GUID))', async () => {
    const key = randomKey();
    const r = await RawClient.connect(d.port);
    const resp = await r.handshake({ key });
    assert.equal(resp.status, 101);
    assert.equal(resp.headers['sec-websocket-accept'], acceptFor(key));
    r.destroy();
  });

  test('permessage-deflate offered while compression is off: not negotiated', async () => {
    const r = await RawClient.connect(d.port);
    const resp = await r.handshake({ headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits' } });
    assert.equal(resp.status, 101);
    assert.equal(resp.headers['sec-websocket-extensions'], undefined);
    r.destroy();
  });

  test('query string on /ws is accepted', async () => {
    const r = await RawClient.connect(d.port);
    const resp = await r.handshake({ path: '/ws?foo=bar&x=1' });
    assert.equal(resp.status, 101);
    r.destroy();
  });

  for (const p of ['/chat', '/', '/ws/', '/wsx', '/healthz', '/ws/extra']) {
    test(`upgrade on ${p} → 404`, async () => {
      const r = await RawClient.connect(d.port);
      const resp = await r.handshake({ path: p });
      assert.equal(resp.status, 404, resp.head);
      r.destroy();
    });
  }

  test('POST /ws with upgrade headers → not 101', async () => {
    const r = await RawClient.connect(d.port);
    const resp = await r.handshake({ method: 'POST', headers: { 'Content-Length': '0' } });
    assert.notEqual(resp.status, 101);
    assert.ok(resp.status >= 400 && resp.status < 500, `4xx, got ${resp.status}`);
    r.destroy();
  });

  test('Sec-WebSocket-Version 12 → 426 with Sec-WebSocket-Version: 13', async () => {
    const r = await RawClient.connect(d.port);
    const resp = await r.handshake({ version: '12' });
    assert.equal(resp.status, 426, resp.head);
    assert.match(resp.headers['sec-websocket-version'] ?? '', /(^|[ ,])13($|[ ,])/);
    r.destroy();
  });

  test('missing Sec-WebSocket-Version → 4xx', async () => {
    const r = await RawClient.connect(d.port);
    const resp = await r.handshake({ omit: ['Sec-WebSocket-Version'] });
    assert.ok(resp.status >= 400 && resp.status < 500, `4xx, got ${resp.status}`);
    r.destroy();
  });

  for (const [name, key] of [
    ['15 bytes', Buffer.alloc(15, 1).toString('base64')],
    ['17 bytes', Buffer.alloc(17, 1).toString('base64')],
    ['not base64', 'this is not base64!!'],
    ['empty', ''],
  ]) {
    test(`Sec-WebSocket-Key not decoding to 16 bytes (${name}) → 400`, async () => {
      const r = await RawClient.connect(d.port);
      const resp = await r.handshake({ key });
      assert.equal(resp.status, 400, resp.head);
      r.destroy();
    });
  }

  test('missing Sec-WebSocket-Key → 400', async () => {
    const r = await RawClient.connect(d.port);
    const resp = await r.handshake({ omit: ['Sec-WebSocket-Key'] });
    assert.equal(resp.status, 400, resp.head);
    r.destroy();
  });

  test('header names in odd case and "Connection: keep-alive, Upgrade" → 101', async () => {
    const key = randomKey();
    const req =
      'GET /ws HTTP/1.1\r\n' +
      `hOsT: 127.0.0.1:${d.port}\r\n` +
      'uPgRaDe: WebSocket\r\n' +
      'cOnNeCtIoN: keep-alive, Upgrade\r\n' +
      `sec-websocket-key: ${key}\r\n` +
      'SEC-WEBSOCKET-VERSION: 13\r\n' +
      'user-agent: odd-case-test\r\n\r\n';
    const r = await RawClient.connect(d.port);
    const resp = await r.handshake({ request: req });
    assert.equal(resp.status, 101, resp.head);
    assert.equal(resp.headers['sec-websocket-accept'], acceptFor(key));
    await r.nextJson((m) => m.type === 'welcome');
    await assertAlive(r);
    r.destroy();
  });

  test('request split into 3-byte writes → 101 and a working connection', async () => {
    const r = await RawClient.connect(d.port);
    const resp = await r.handshake({ split: 3 });
    assert.equal(resp.status, 101);
    assert.equal(resp.headers['sec-websocket-accept'], RFC_SAMPLE_ACCEPT);
    await r.nextJson((m) => m.type === 'welcome');
    // a frame split into 1-byte writes too
    await r.writeSplit(buildFrame({ payload: { type: 'ping', id: 'split' } }), 1);
    const p = await r.nextJson((m) => m.id === 'split');
    assert.equal(p.type, 'pong');
    r.destroy();
  });

  test('a frame pipelined in the same write as the request is answered (after the welcome)', async () => {
    const r = await RawClient.connect(d.port);
    const frame = buildFrame({ payload: { type: 'ping', id: 'pipe', ts: 1 } });
    const resp = await r.handshake({ pipelined: frame });
    assert.equal(resp.status, 101);
    const first = await r.nextFrame((f) => f.opcode === OP.TEXT);
    assert.equal(JSON.parse(first.text).type, 'welcome', 'welcome comes first');
    const p = await r.nextJson((m) => m.id === 'pipe');
    assert.deepEqual([p.type, p.ts], ['pong', 1]);
    r.destroy();
  });

  test('oversized headers (64 KiB) → 431 or 400, and the daemon keeps serving', async () => {
    const headers = {};
    for (let i = 0; i < 64; i++) headers[`X-Pad-${i}`] = 'p'.repeat(1024);
    const r = await RawClient.connect(d.port);
    const resp = await r.handshake({ headers, timeoutMs: 5000 });
    assert.ok([431, 400].includes(resp.status), `431 or 400, got ${resp.status}`);
    r.destroy();
    const h = await httpGet(d.port, '/healthz');
    assert.equal(h.status, 200);
    const c = await open();
    await assertAlive(c);
    c.destroy();
  });

  test('one huge header line (64 KiB) → 431 or 400, no crash', async () => {
    const r = await RawClient.connect(d.port);
    const resp = await r.handshake({ headers: { 'X-Huge': 'h'.repeat(65536) }, timeoutMs: 5000 });
    assert.ok([431, 400].includes(resp.status), `431 or 400, got ${resp.status}`);
    r.destroy();
    assert.equal((await httpGet(d.port, '/healthz')).status, 200);
  });

  test('--max-connections 2: the third upgrade is refused with 503; a slot frees up after a close', async (t) => {
    const dc = await withPulse(t, ['--max-connections', '2']);
    const a = await RawClient.open(dc.port);
    const b = await RawClient.open(dc.port);
    const c = await RawClient.connect(dc.port);
    const resp = await c.handshake({ key: randomKey() });
    assert.equal(resp.status, 503, resp.head);
    c.destroy();
    assert.equal((await httpGet(dc.port, '/healthz')).status, 200, 'plain HTTP still served');
    a.sendClose(1000);
    await a.expectClose(3000, { reply: false });
    a.destroy();
    let ok = false;
    for (let i = 0; i < 40 && !ok; i++) {
      const e = await RawClient.connect(dc.port);
      const r2 = await e.handshake({ key: randomKey() });
      ok = r2.status === 101;
      e.destroy();
      if (!ok) await sleep(50);
    }
    assert.ok(ok, 'a new connection is accepted after one closed');
    b.destroy();
  });

  test('Origin: a foreign browser origin → 403; same origin and no Origin → 101', async () => {
    const r1 = await RawClient.connect(d.port);
    const bad = await r1.handshake({ key: randomKey(), headers: { Origin: 'http://evil.example' } });
    assert.equal(bad.status, 403, bad.head);
    r1.destroy();
    const r2 = await RawClient.connect(d.port);
    // A browser sends the port in Host whenever it is not the scheme's default.
    const same = await r2.handshake({ key: randomKey(), host: `127.0.0.1:${d.port}`, headers: { Origin: `http://127.0.0.1:${d.port}` } });
    assert.equal(same.status, 101, same.head);
    r2.destroy();
    const r3 = await RawClient.connect(d.port);
    const none = await r3.handshake({ key: randomKey() });
    assert.equal(none.status, 101);
    r3.destroy();
  });

  test('--allowed-origin admits the listed origins only', async (t) => {
    const da = await withPulse(t, ['--allowed-origin', 'http://ok.example', '--allowed-origin', 'https://also.example:8443']);
    for (const [origin, status] of [
      ['http://ok.example', 101],
      ['https://also.example:8443', 101],
      ['http://evil.example', 403],
      ['http://ok.example.evil.example', 403],
    ]) {
      const r = await RawClient.connect(da.port);
      const resp = await r.handshake({ key: randomKey(), headers: { Origin: origin } });
      assert.equal(resp.status, status, `Origin ${origin}`);
      r.destroy();
    }
  });

  test('garbage instead of HTTP → 400 or connection closed, no crash', async () => {
    const r = await RawClient.connect(d.port);
    r.write(Buffer.from('\x16\x03\x01\x02\x00garbage\r\n\r\n', 'latin1'));
    try {
      const resp = await r.response(3000);
      assert.ok(resp.status >= 400 && resp.status < 500, `4xx, got ${resp.status}`);
    } catch (e) {
      assert.ok(r.ended, `either a 4xx or a closed connection: ${e.message}`);
    }
    r.destroy();
    assert.equal((await httpGet(d.port, '/healthz')).status, 200);
  });

  test('client closing mid-handshake does not hurt the daemon', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await RawClient.connect(d.port);
      r.write(Buffer.from(buildUpgradeRequest().slice(0, 40 + i * 10), 'latin1'));
      r.destroy();
    }
    assert.equal((await httpGet(d.port, '/healthz')).status, 200);
  });
});

// ---------------------------------------------------------------------------
describe('HTTP', () => {
  test('/healthz → 200 ok', async () => {
    const r = await httpGet(d.port, '/healthz');
    assert.equal(r.status, 200);
    assert.match(r.text, /^ok\n?$/);
  });

  test('/healthz twice over one keep-alive connection', async () => {
    const r = await RawClient.connect(d.port);
    const req = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${d.port}\r\n\r\n`;
    r.write(Buffer.from(req));
    const a = await r.response();
    assert.equal(a.status, 200);
    assert.match(a.text, /^ok\n?$/);
    assert.doesNotMatch(a.headers.connection ?? '', /close/i, 'HTTP/1.1 keep-alive by default');
    r.write(Buffer.from(req));
    const b = await r.response();
    assert.equal(b.status, 200);
    assert.match(b.text, /^ok\n?$/);
    r.destroy();
  });

  test('two pipelined /healthz requests in one write → two responses', async () => {
    const r = await RawClient.connect(d.port);
    const req = `GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`;
    r.write(Buffer.from(req + req));
    const a = await r.response();
    const b = await r.response();
    assert.deepEqual([a.status, b.status], [200, 200]);
    r.destroy();
  });

  test('a missing file with an extension → 404', async () => {
    for (const p of ['/no-such-file-here.js', '/assets/nothing.css', '/deep/path/x.png']) {
      const r = await httpGet(d.port, p);
      assert.equal(r.status, 404, p);
    }
  });

  test('an unknown path without an extension gets the dashboard index.html (same as /)', async () => {
    const root = await httpGet(d.port, '/');
    assert.equal(root.status, 200);
    assert.match(root.headers['content-type'] ?? '', /text\/html/);
    for (const p of ['/some/route', '/dashboard', '/a/b/c']) {
      const r = await httpGet(d.port, p);
      assert.equal(r.status, 200, p);
      assert.equal(r.text, root.text, `${p} serves index.html`);
    }
  });

  test('Connection: close is honoured', async () => {
    const r = await RawClient.connect(d.port);
    r.write(Buffer.from(`GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    const a = await r.response();
    assert.equal(a.status, 200);
    assert.ok(await r.waitEnd(3000), 'server closed the connection');
  });
});

// ---------------------------------------------------------------------------
describe('framing', () => {
  test('unmasked client frame → close 1002', async () => {
    const r = await open();
    r.sendFrame({ payload: { type: 'ping' }, mask: false });
    await assertClosedWith(r, 1002, 'unmasked');
  });

  for (let rsv = 1; rsv <= 7; rsv++) {
    test(`RSV bits ${rsv.toString(2).padStart(3, '0')} → close 1002`, async () => {
      const r = await open();
      r.sendFrame({ payload: { type: 'ping' }, rsv });
      await assertClosedWith(r, 1002, `rsv ${rsv}`);
    });
  }

  test('RSV bit on a control frame → close 1002', async () => {
    const r = await open();
    r.sendFrame({ opcode: OP.PING, payload: 'x', rsv: 4 });
    await assertClosedWith(r, 1002, 'rsv on ping');
  });

  for (const opcode of [3, 4, 5, 6, 7, 11, 12, 13, 14, 15]) {
    test(`reserved opcode ${opcode} → close 1002`, async () => {
      const r = await open();
      r.sendFrame({ opcode, payload: 'abc' });
      await assertClosedWith(r, 1002, `opcode ${opcode}`);
    });
  }

  test('7-bit, 16-bit and 64-bit payload lengths', async () => {
    const r = await open();
    for (const [size, enc] of [
      [40, 7],
      [125, 7],
      [126, 16],
      [300, 16],
      [65535, 16],
      [65536, 64],
    ]) {
      const id = `len${size}`;
      const text = paddedJson({ type: 'ping', id }, size);
      r.sendFrame({ payload: utf8(text), lenEncoding: enc });
      const p = await r.nextJson((m) => m.id === id, 5000);
      assert.equal(p.type, 'pong', `payload of ${size} bytes`);
    }
    await assertAlive(r);
    r.destroy();
  });

  test('server frames use the right length encoding and are unmasked (16-bit and 64-bit)', async () => {
    const r = await open();
    await r.request({ type: 'subscribe', channel: 'big' });
    // 200 bytes → 16-bit; a publish of exactly 65536 bytes (the default limit) → a message frame > 65535 → 64-bit
    const maxData = 65536 - Buffer.byteLength(JSON.stringify({ type: 'publish', channel: 'big', data: '' }));
    for (const n of [200, maxData]) {
      const data = 'b'.repeat(n);
      const frame = buildFrame({ payload: { type: 'publish', channel: 'big', data } });
      r.write(frame);
      const f = await r.nextFrame((x) => x.opcode === OP.TEXT && x.text.includes('"message"'), 5000);
      assert.ok(f, `connection closed; frames: ${JSON.stringify(r.allFrames.map(describeFrame))}`);
      assert.equal(f.masked, false);
      assert.equal(f.rsv, 0);
      assert.equal(f.lenEncoding, f.length < 126 ? 7 : f.length < 65536 ? 16 : 64);
      assert.equal(JSON.parse(f.text).data, data);
      if (n === maxData) assert.equal(f.lenEncoding, 64, `frame of ${f.length} bytes`);
    }
    r.destroy();
  });

  test('a frame declaring 4 GiB (64-bit length) → close 1009 without waiting for the payload', async () => {
    const r = await open();
    // The header of a text frame that claims 4 GiB, and only 16 bytes of its payload.
    const head = Buffer.alloc(14);
    head[0] = 0x81;
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(2n ** 32n, 2);
    r.write(Buffer.concat([head, Buffer.alloc(16, 0x61)]));
    await assertClosedWith(r, 1009, 'huge declared length');
  });

  test('64-bit length with the most significant bit set → close 1002 (or 1009)', async () => {
    const r = await open();
    const head = Buffer.alloc(14);
    head[0] = 0x81;
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(2n ** 63n + 5n, 2);
    r.write(head);
    const c = await r.expectClose(4000);
    assert.ok(c.closeFrame, 'close frame sent');
    assert.ok([1002, 1009].includes(c.code), `1002 or 1009, got ${c.code}`);
    assert.ok(c.tcpClosed);
    r.destroy();
  });
});

// ---------------------------------------------------------------------------
describe('control frames', () => {
  test('ping → pong with the same payload', async () => {
    const r = await open();
    for (const payload of [Buffer.alloc(0), utf8('hello'), Buffer.from([0, 255, 1, 254]), Buffer.alloc(125, 7)]) {
      r.sendFrame({ opcode: OP.PING, payload });
      const f = await r.nextFrame((x) => x.opcode === OP.PONG);
      assert.ok(f, 'pong received');
      assert.deepEqual(f.payload, payload);
      assert.equal(f.fin, true);
      assert.equal(f.masked, false);
    }
    await assertAlive(r);
    r.destroy();
  });

  test('ping with a 126-byte payload → close 1002', async () => {
    const r = await open();
    r.sendFrame({ opcode: OP.PING, payload: Buffer.alloc(126, 1) });
    await assertClosedWith(r, 1002, 'ping 126');
  });

  test('close with a 126-byte payload → close 1002', async () => {
    const r = await open();
    r.sendFrame({ opcode: OP.CLOSE, payload: closePayload(1000, 'r'.repeat(124)) });
    await assertClosedWith(r, 1002, 'close 126');
  });

  test('fragmented ping (FIN=0) → close 1002', async () => {
    const r = await open();
    r.sendFrame({ opcode: OP.PING, payload: 'frag', fin: false });
    r.sendFrame({ opcode: OP.CONT, payload: 'ment', fin: true });
    await assertClosedWith(r, 1002, 'fragmented ping');
  });

  test('unsolicited pong is ignored', async () => {
    const r = await open();
    r.sendFrame({ opcode: OP.PONG, payload: 'unsolicited' });
    r.sendFrame({ opcode: OP.PONG, payload: Buffer.alloc(0) });
    await assertAlive(r, 'after unsolicited pong');
    r.destroy();
  });
});

// ---------------------------------------------------------------------------
describe('fragmentation', () => {
  function fragments(text, n, { opcode = OP.TEXT } = {}) {
    const b = Buffer.isBuffer(text) ? text : utf8(text);
    const size = Math.ceil(b.length / n);
    const out = [];
    for (let i = 0; i < n; i++) {
      const part = b.subarray(i * size, Math.min(b.length, (i + 1) * size));
      out.push({ opcode: i === 0 ? opcode : OP.CONT, fin: i === n - 1, payload: Buffer.from(part) });
    }
    return out;
  }

  test('a message in many fragments (including empty ones)', async () => {
    const r = await open();
    const text = JSON.stringify({ type: 'ping', id: 'frag-many', ts: 'x'.repeat(200) });
    const parts = fragments(text, 20);
    parts.splice(5, 0, { opcode: OP.CONT, fin: false, payload: Buffer.alloc(0) });
    for (const f of parts) r.sendFrame(f);
    const p = await r.nextJson((m) => m.id === 'frag-many');
    assert.equal(p.type, 'pong');
    assert.equal(p.ts, 'x'.repeat(200));
    r.destroy();
  });

  test('one-byte fragments, each written separately', async () => {
    const r = await open();
    const text = JSON.stringify({ type: 'ping', id: 'f1' });
    for (const f of fragments(text, text.length)) {
      r.sendFrame(f);
      await sleep(1);
    }
    assert.equal((await r.nextJson((m) => m.id === 'f1')).type, 'pong');
    r.destroy();
  });

  test('ping between fragments is answered before the message completes', async () => {
    const r = await open();
    const parts = fragments(JSON.stringify({ type: 'ping', id: 'with-ping' }), 3);
    r.sendFrame(parts[0]);
    r.sendFrame({ opcode: OP.PING, payload: 'mid' });
    const pong = await r.nextFrame((x) => x.opcode === OP.PONG);
    assert.ok(pong);
    assert.equal(pong.payload.toString(), 'mid');
    r.sendFrame(parts[1]);
    r.sendFrame({ opcode: OP.PONG, payload: 'unsolicited-mid' });
    r.sendFrame(parts[2]);
    assert.equal((await r.nextJson((m) => m.id === 'with-ping')).type, 'pong');
    r.destroy();
  });

  test('continuation without a start → close 1002', async () => {
    const r = await open();
    r.sendFrame({ opcode: OP.CONT, fin: true, payload: utf8('{"type":"ping"}') });
    await assertClosedWith(r, 1002, 'lone continuation');
  });

  test('continuation (FIN=0) without a start → close 1002', async () => {
    const r = await open();
    r.sendFrame({ opcode: OP.CONT, fin: false, payload: utf8('{"type":') });
    await assertClosedWith(r, 1002, 'lone continuation fin=0');
  });

  test('new text frame inside an open fragmented message → close 1002', async () => {
    const r = await open();
    r.sendFrame({ opcode: OP.TEXT, fin: false, payload: utf8('{"type":') });
    r.sendFrame({ opcode: OP.TEXT, fin: true, payload: utf8('{"type":"ping"}') });
    await assertClosedWith(r, 1002, 'text inside fragmented');
  });

  test('new binary frame inside an open fragmented message → close 1002', async () => {
    const r = await open();
    r.sendFrame({ opcode: OP.TEXT, fin: false, payload: utf8('{"type":') });
    r.sendFrame({ opcode: OP.BINARY, fin: true, payload: utf8('x') });
    await assertClosedWith(r, 1002, 'binary inside fragmented');
  });

  test('fragmented binary message → unsupported error, connection stays open', async () => {
    const r = await open();
    r.sendFrame({ opcode: OP.BINARY, fin: false, payload: Buffer.from([1, 2]) });
    r.sendFrame({ opcode: OP.CONT, fin: true, payload: Buffer.from([3, 4]) });
    const e = await r.nextJson((m) => m.type === 'error');
    assert.equal(e.code, 'unsupported');
    await assertAlive(r);
    r.destroy();
  });
});

// ---------------------------------------------------------------------------
describe('UTF-8', () => {
  const invalid = [
    ['0xFF byte', Buffer.from([0x7b, 0xff, 0x7d])],
    ['lone continuation byte', Buffer.from([0x22, 0x80, 0x22])],
    ['overlong "/"', Buffer.from([0x22, 0xc0, 0xaf, 0x22])],
    ['UTF-16 surrogate', Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22])],
    ['above U+10FFFF', Buffer.from([0x22, 0xf4, 0x90, 0x80, 0x80, 0x22])],
    ['truncated sequence at the end', Buffer.from([0x22, 0x61, 0xe2, 0x82])],
  ];
  for (const [name, payload] of invalid) {
    test(`invalid UTF-8 in a text frame (${name}) → close 1007`, async () => {
      const r = await open();
      r.sendFrame({ opcode: OP.TEXT, payload });
      await assertClosedWith(r, 1007, name);
    });
  }

  test('valid multi-byte text, and a code point split across fragments, are accepted', async () => {
    const r = await open();
    const text = JSON.stringify({ type: 'ping', id: 'utf8', ts: 'é€😀 ✓' });
    const b = utf8(text);
    const cut = b.indexOf(Buffer.from('😀')) + 2; // in the middle of the 4-byte emoji
    r.sendFrame({ opcode: OP.TEXT, fin: false, payload: b.subarray(0, cut) });
    r.sendFrame({ opcode: OP.CONT, fin: true, payload: b.subarray(cut) });
    const p = await r.nextJson((m) => m.id === 'utf8');
    assert.equal(p.ts, 'é€😀 ✓');
    r.destroy();
  });

  test('invalid UTF-8 split across fragments → close 1007', async () => {
    const r = await open();
    // E2 82 | 28 : a 3-byte sequence whose third byte is not a continuation byte
    r.sendFrame({ opcode: OP.TEXT, fin: false, payload: Buffer.from([0x22, 0xe2, 0x82]) });
    r.sendFrame({ opcode: OP.CONT, fin: true, payload: Buffer.from([0x28, 0x22]) });
    await assertClosedWith(r, 1007, 'split invalid');
  });

  test('message ending inside a code point (split) → close 1007', async () => {
    const r = await open();
    r.sendFrame({ opcode: OP.TEXT, fin: false, payload: Buffer.from([0x22, 0x61]) });
    r.sendFrame({ opcode: OP.CONT, fin: true, payload: Buffer.from([0xf0, 0x9f, 0x98]) });
    await assertClosedWith(r, 1007, 'truncated at end of fragmented message');
  });

  test('fail fast: invalid bytes in the first fragment close 1007 before the final fragment', async () => {
    const r = await open();
    r.sendFrame({ opcode: OP.TEXT, fin: false, payload: Buffer.from([0x7b, 0x22, 0xff, 0xfe]) });
    // No further fragment is ever sent.
    await assertClosedWith(r, 1007, 'fail fast');
  });

  test('invalid UTF-8 in a close reason → close 1007', async () => {
    const r = await open();
    r.sendFrame({ opcode: OP.CLOSE, payload: closePayload(1000, Buffer.from([0xff, 0xfe])) });
    await assertClosedWith(r, 1007, 'close reason');
  });
});

// ---------------------------------------------------------------------------
describe('close handshake', () => {
  test('close 1000 is echoed and the server closes TCP', async () => {
    const r = await open();
    r.sendClose(1000, 'bye');
    const c = await r.expectClose(3000, { reply: false });
    assert.ok(c.closeFrame, 'close frame echoed');
    assert.equal(c.code, 1000);
    assert.ok(c.tcpClosed, 'server closed TCP after echoing');
    r.destroy();
  });

  test('empty close payload is answered with a close frame (no 1005 on the wire)', async () => {
    const r = await open();
    r.sendFrame({ opcode: OP.CLOSE, payload: Buffer.alloc(0) });
    const c = await r.expectClose(3000, { reply: false });
    assert.ok(c.closeFrame);
    assert.ok(c.code === null || c.code === 1000, `empty or 1000, got ${c.code}`);
    assert.ok(c.tcpClosed);
    r.destroy();
  });

  test('1-byte close payload → close 1002', async () => {
    const r = await open();
    r.sendFrame({ opcode: OP.CLOSE, payload: Buffer.from([0x03]) });
    await assertClosedWith(r, 1002, '1-byte close');
  });

  for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]) {
    test(`invalid close code ${code} → close 1002`, async () => {
      const r = await open();
      r.sendClose(code);
      await assertClosedWith(r, 1002, `close ${code}`);
    });
  }

  for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999]) {
    test(`valid close code ${code} is echoed`, async () => {
      const r = await open();
      r.sendClose(code, 'reason');
      const c = await r.expectClose(3000, { reply: false });
      assert.ok(c.closeFrame);
      assert.equal(c.code, code);
      assert.ok(c.tcpClosed);
      r.destroy();
    });
  }

  test('close with a 123-byte reason (125-byte payload) is echoed', async () => {
    const r = await open();
    r.sendClose(1000, 'q'.repeat(123));
    const c = await r.expectClose(3000, { reply: false });
    assert.equal(c.code, 1000);
    r.destroy();
  });

  test('close arriving between fragments is honoured', async () => {
    const r = await open();
    r.sendFrame({ opcode: OP.TEXT, fin: false, payload: utf8('{"type":') });
    r.sendClose(1000);
    const c = await r.expectClose(3000, { reply: false });
    assert.equal(c.code, 1000);
    r.destroy();
  });

  test('no data frame is processed after the close frame', async () => {
    const r = await open();
    r.write(
      Buffer.concat([
        buildFrame({ opcode: OP.CLOSE, payload: closePayload(1000) }),
        buildFrame({ payload: { type: 'ping', id: 'after-close' } }),
      ]),
    );
    const c = await r.expectClose(3000, { reply: false });
    assert.equal(c.code, 1000);
    const texts = r.allFrames.filter((f) => f.opcode === OP.TEXT).map((f) => JSON.parse(f.text));
    assert.ok(!texts.some((m) => m.id === 'after-close'), 'nothing answered after close');
    r.destroy();
  });
});

// ---------------------------------------------------------------------------
describe('--max-message-bytes 1000', () => {
  let dm;
  before(async () => {
    dm = await startPulse(['--max-message-bytes', '1000']);
  });
  after(() => dm?.stop('SIGTERM'));

  test('a message of exactly 1000 bytes is allowed', async () => {
    const r = await RawClient.open(dm.port);
    r.sendText(paddedJson({ type: 'ping', id: 'exact' }, 1000));
    assert.equal((await r.nextJson((m) => m.id === 'exact')).type, 'pong');
    await assertAlive(r);
    r.destroy();
  });

  test('1001 bytes → close 1009', async () => {
    const r = await RawClient.open(dm.port);
    r.sendText(paddedJson({ type: 'ping', id: 'over' }, 1001));
    await assertClosedWith(r, 1009, '1001 bytes');
  });

  test('1000 bytes reassembled from fragments is allowed', async () => {
    const r = await RawClient.open(dm.port);
    const b = utf8(paddedJson({ type: 'ping', id: 'frag-exact' }, 1000));
    for (let i = 0; i < 4; i++) {
      r.sendFrame({ opcode: i ? OP.CONT : OP.TEXT, fin: i === 3, payload: b.subarray(i * 250, (i + 1) * 250) });
    }
    assert.equal((await r.nextJson((m) => m.id === 'frag-exact')).type, 'pong');
    r.destroy();
  });

  test('1001 bytes reassembled from fragments → close 1009', async () => {
    const r = await RawClient.open(dm.port);
    const b = utf8(paddedJson({ type: 'ping', id: 'frag-over' }, 1001));
    const parts = [b.subarray(0, 300), b.subarray(300, 600), b.subarray(600, 900), b.subarray(900)];
    parts.forEach((p, i) => r.sendFrame({ opcode: i ? OP.CONT : OP.TEXT, fin: i === 3, payload: p }));
    await assertClosedWith(r, 1009, 'fragmented 1001');
  });

  test('a fragmented message over the limit is refused before its final fragment', async () => {
    const r = await RawClient.open(dm.port);
    r.sendFrame({ opcode: OP.TEXT, fin: false, payload: Buffer.alloc(600, 0x61) });
    r.sendFrame({ opcode: OP.CONT, fin: false, payload: Buffer.alloc(600, 0x61) });
    await assertClosedWith(r, 1009, 'fragmented, no final');
  });

  test('a binary message over the limit → close 1009', async () => {
    const r = await RawClient.open(dm.port);
    r.sendFrame({ opcode: OP.BINARY, payload: Buffer.alloc(1001, 1) });
    await assertClosedWith(r, 1009, 'binary 1001');
  });

  test('other clients are unaffected by a 1009 close', async () => {
    const c = await Client.connect(dm.wsUrl);
    const r = await RawClient.open(dm.port);
    r.sendText('x'.repeat(5000));
    await assertClosedWith(r, 1009, '5000');
    assert.equal((await c.request({ type: 'ping' })).type, 'pong');
    await c.close();
  });
});

// ---------------------------------------------------------------------------
describe('heartbeat (--heartbeat-ms 1000)', () => {
  let dh;
  before(async () => {
    dh = await startPulse(['--heartbeat-ms', '1000']);
  });
  after(() => dh?.stop('SIGTERM'));

  test('the server sends WebSocket ping frames; a silent peer is dropped after about two heartbeats', async () => {
    const r = await RawClient.open(dh.port, { autoPong: false });
    const start = Date.now();
    const ended = await r.waitEnd(6000);
    const elapsed = Date.now() - start;
    assert.ok(r.pingsReceived >= 1, `received ${r.pingsReceived} ping frames`);
    const pings = r.allFrames.filter((f) => f.opcode === OP.PING);
    assert.ok(pings.every((f) => !f.masked && f.fin && f.length <= 125));
    assert.ok(ended, `silent peer still connected after ${elapsed} ms`);
    assert.ok(elapsed >= 1000, `not dropped before one heartbeat (${elapsed} ms)`);
    for (const k of r.closeCodesSeen()) assert.ok(!RESERVED_CLOSE_CODES.includes(k), `reserved close code ${k}`);
  });

  test('a raw peer that answers pings (and says nothing else) stays connected', async () => {
    const r = await RawClient.open(dh.port, { autoPong: true });
    await sleep(4500);
    assert.equal(r.ended, false, 'still connected');
    assert.ok(r.pingsReceived >= 3, `pings: ${r.pingsReceived}`);
    await assertAlive(r);
    r.destroy();
  });

  test('a ws client (auto pong) stays connected and keeps working', async () => {
    const c = await Client.connect(dh.wsUrl);
    await sleep(4500);
    assert.ok(c.isOpen, `closed: ${JSON.stringify(c.closeInfo)}`);
    assert.ok(c.pings >= 3, `pings: ${c.pings}`);
    assert.equal((await c.request({ type: 'ping' })).type, 'pong');
    await c.close();
  });

  test('--heartbeat-ms 0 sends no pings', async (t) => {
    const d0 = await withPulse(t, ['--heartbeat-ms', '0']);
    const r = await RawClient.open(d0.port);
    assert.equal(r.welcome.heartbeat_ms, 0);
    await sleep(2500);
    assert.equal(r.pingsReceived, 0);
    assert.equal(r.ended, false);
    r.destroy();
  });
});
