// permessage-deflate (--compression on): negotiation with real clients (Node `ws`, Python
// `websockets` when installed), the answer's parameters, declined and invalid offers, server
// frames that inflate (small ones left uncompressed), a client's compressed frames, RSV1 misuse,
// bad deflate data, and a zip bomb over --max-message-bytes (1009, server unharmed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { Client, OP, RawClient, withPulse } from './lib.mjs';

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
const EXT = 'sec-websocket-extensions';

function deflateRaw(buf) {
  const z = zlib.deflateRawSync(buf, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  assert.deepEqual(z.subarray(-4), TAIL);
  return z.subarray(0, -4);
}

function inflateRaw(buf) {
  return zlib.inflateRawSync(Buffer.concat([buf, TAIL]), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
}

/** A raw connection that offered `offer`; returns the client and the response. */
async function rawOffer(port, offer) {
  const c = await RawClient.connect(port);
  const resp = await c.handshake({ headers: offer ? { 'Sec-WebSocket-Extensions': offer } : {} });
  assert.equal(resp.status, 101);
  return { c, resp };
}

/** Next data frame from a raw client, inflated when RSV1 is set: {frame, json}. */
async function nextData(c, pred = () => true, timeoutMs = 3000) {
  for (;;) {
    const f = await c.nextFrame((fr) => fr.opcode === OP.TEXT, timeoutMs, 'a text frame');
    assert.ok(f, 'connection ended');
    const text = (f.rsv & 4 ? inflateRaw(f.payload) : f.payload).toString('utf8');
    const json = JSON.parse(text);
    if (pred(json)) return { frame: f, json };
  }
}

test('off by default: an offer is not answered and RSV1 is a protocol error', async (t) => {
  const d = await withPulse(t, []);
  const { c, resp } = await rawOffer(d.port, 'permessage-deflate');
  assert.equal(resp.headers[EXT], undefined);
  c.sendFrame({ rsv: 4, payload: deflateRaw(Buffer.from('{"type":"ping"}')) });
  assert.equal((await c.expectClose()).code, 1002);
});

test('Node ws negotiates it; the answer asks for no context takeover both ways', async (t) => {
  const d = await withPulse(t, ['--compression', 'on']);
  const c = await Client.connect(d.wsUrl, { wsOptions: { perMessageDeflate: { threshold: 0 } } });
  assert.match(c.ws.extensions, /permessage-deflate/);
  const params = c.ws._extensions['permessage-deflate']?.params; // what ws accepted
  assert.equal(params?.server_no_context_takeover, true);
  assert.equal(params?.client_no_context_takeover, true);
  // compressed client messages (threshold 0: every message), small and large
  assert.equal((await c.request({ type: 'ping', ts: 1 })).ts, 1);
  await c.request({ type: 'subscribe', channel: 'z' });
  const data = 'metrics '.repeat(5000);
  const got = c.next((m) => m.type === 'message' && m.channel === 'z', 5000);
  await c.request({ type: 'publish', channel: 'z', data });
  assert.equal((await got).data, data);
  await c.close();
});

test('server frames: large ones compressed once for every subscriber, small ones plain', async (t) => {
  const d = await withPulse(t, ['--compression', 'on']);
  const subs = [];
  for (let i = 0; i < 2; i++) {
    const { c } = await rawOffer(d.port, 'permessage-deflate; client_max_window_bits');
    await nextData(c, (m) => m.type === 'welcome');
    c.sendJson({ type: 'subscribe', channel: 'fan', id: 1 });
    await nextData(c, (m) => m.type === 'subscribed');
    subs.push(c);
  }
  const pub = await Client.connect(d.wsUrl);
  const data = { rows: Array.from({ length: 50 }, (_, i) => ({ cpu: i, mem: i * 1000 })) };
  await pub.request({ type: 'publish', channel: 'fan', data });
  const frames = [];
  for (const c of subs) {
    const { frame, json } = await nextData(c, (m) => m.type === 'message');
    assert.deepEqual(json.data, data);
    assert.equal(frame.rsv, 4, 'RSV1 on a compressed message');
    assert.ok(frame.payload.length < JSON.stringify(json).length / 2);
    frames.push(frame.payload);
  }
  assert.deepEqual(frames[0], frames[1], 'the same compressed bytes for every subscriber');
  // a small reply (pong) goes out uncompressed
  subs[0].sendJson({ type: 'ping', id: 'p' });
  const { frame } = await nextData(subs[0], (m) => m.type === 'pong');
  assert.equal(frame.rsv, 0);
  // the uncompressed client (no offer) gets the plain frame
  await pub.close();
  for (const c of subs) c.destroy();
});

test('offers: invalid or unsupported ones declined, the next offer taken', async (t) => {
  const d = await withPulse(t, ['--compression', 'on']);
  const declined = [
    'permessage-deflate; server_max_window_bits=10',
    'permessage-deflate; server_max_window_bits=16',
    'permessage-deflate; client_max_window_bits=7',
    'permessage-deflate; foo=1',
    'permessage-deflate; server_no_context_takeover=1',
    'permessage-deflate; server_no_context_takeover; server_no_context_takeover',
    'x-webkit-deflate-frame',
  ];
  for (const offer of declined) {
    const { c, resp } = await rawOffer(d.port, offer);
    assert.equal(resp.headers[EXT], undefined, offer);
    const { json, frame } = await nextData(c, (m) => m.type === 'welcome');
    assert.equal(frame.rsv, 0);
    assert.equal(json.type, 'welcome');
    c.sock.destroy();
  }
  const { c, resp } = await rawOffer(
    d.port,
    'permessage-deflate; foo=1, permessage-deflate; server_max_window_bits=15',
  );
  assert.equal(
    resp.headers[EXT],
    'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=15',
  );
  c.sock.destroy();
});

test('RSV1 misuse, bad deflate data and invalid UTF-8 fail the connection', async (t) => {
  const d = await withPulse(t, ['--compression', 'on']);
  const z = deflateRaw(Buffer.from('{"type":"ping","id":1}'));
  const cases = [
    [(c) => {
      c.sendFrame({ fin: false, rsv: 4, payload: z.subarray(0, 3) });
      c.sendFrame({ opcode: OP.CONT, rsv: 4, payload: z.subarray(3) });
    }, 1002, 'RSV1 on a continuation'],
    [(c) => c.sendFrame({ opcode: OP.PING, rsv: 4, payload: Buffer.from('x') }), 1002, 'RSV1 on a ping'],
    [(c) => c.sendFrame({ rsv: 2, payload: z }), 1002, 'RSV2'],
    [(c) => c.sendFrame({ rsv: 4, payload: Buffer.from([0xff, 0xfe, 0xfd, 0xfc]) }), 1007, 'bad data'],
    [(c) => c.sendFrame({ rsv: 4, payload: deflateRaw(Buffer.from([0xed, 0xa0, 0x80])) }), 1007, 'UTF-8'],
  ];
  for (const [send, code, what] of cases) {
    const { c } = await rawOffer(d.port, 'permessage-deflate');
    await nextData(c, (m) => m.type === 'welcome');
    send(c);
    c.sendJson({ type: 'ping', id: 'probe' });
    const r = await c.expectClose();
    assert.equal(r.code, code, what);
    assert.ok(!r.framesBefore.some((f) => f.opcode === OP.TEXT && f.rsv === 0 && /probe/.test(f.text)), what);
  }
  // a compressed frame on a connection that did not offer the extension
  const { c } = await rawOffer(d.port, null);
  c.sendFrame({ rsv: 4, payload: z });
  assert.equal((await c.expectClose()).code, 1002);
});

test('a zip bomb over --max-message-bytes gets 1009 and harms nobody', async (t) => {
  const d = await withPulse(t, ['--compression', 'on', '--max-message-bytes', '65536']);
  const other = await Client.connect(d.wsUrl);
  const bomb = deflateRaw(Buffer.from(`{"type":"ping","pad":"${' '.repeat(10 * 1000 * 1000)}"}`));
  assert.ok(bomb.length < 20000);
  const { c } = await rawOffer(d.port, 'permessage-deflate');
  await nextData(c, (m) => m.type === 'welcome');
  const t0 = Date.now();
  c.sendFrame({ rsv: 4, payload: bomb });
  const r = await c.expectClose();
  assert.equal(r.code, 1009);
  assert.ok(Date.now() - t0 < 2000);
  // exactly the limit, compressed, is fine
  const { c: ok } = await rawOffer(d.port, 'permessage-deflate');
  await nextData(ok, (m) => m.type === 'welcome');
  const exact = JSON.stringify({ type: 'ping', id: 'e', pad: '' });
  const msg = JSON.stringify({ type: 'ping', id: 'e', pad: 'y'.repeat(65536 - exact.length) });
  assert.equal(Buffer.byteLength(msg), 65536);
  ok.sendFrame({ rsv: 4, payload: deflateRaw(Buffer.from(msg)) });
  assert.equal((await nextData(ok, (m) => m.type === 'pong')).json.id, 'e');
  assert.equal((await other.request({ type: 'ping' })).type, 'pong');
  ok.sock.destroy();
  await other.close();
});

const PY = '/usr/bin/python3';
const hasPyWebsockets =
  fs.existsSync(PY) && spawnSync(PY, ['-c', 'import websockets'], { stdio: 'ignore' }).status === 0;

test('Python websockets negotiates it and talks compressed', { skip: !hasPyWebsockets && 'python3-websockets not installed' }, async (t) => {
  const d = await withPulse(t, ['--compression', 'on']);
  const script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pulse-py-')), 'client.py');
  fs.writeFileSync(
    script,
    `import asyncio, json, sys, websockets
async def main():
    async with websockets.connect(sys.argv[1], compression="deflate", open_timeout=5) as ws:
        ext = ws.response_headers.get("Sec-WebSocket-Extensions", "")
        await ws.send(json.dumps({"type": "subscribe", "channel": "py", "id": 1}))
        await ws.send(json.dumps({"type": "publish", "channel": "py", "data": "abc" * 2000, "id": 2}))
        while True:
            m = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if m.get("type") == "message":
                print(json.dumps({"ext": ext, "len": len(m["data"])}))
                return
asyncio.run(main())
`,
  );
  const out = execFileSync(PY, [script, d.wsUrl], { timeout: 15000 }).toString();
  const r = JSON.parse(out);
  assert.match(r.ext, /permessage-deflate/);
  assert.match(r.ext, /server_no_context_takeover/);
  assert.equal(r.len, 6000);
});
