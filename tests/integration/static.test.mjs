// The dashboard's files over real HTTP (SPEC sections 3 and 7): types, gzip, ETag/304, cache
// lifetimes, the single-page-app fallback, and requests that try to leave the asset root.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { Client, startPulse, httpRaw } from './lib.mjs';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pulse-static-'));
const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'pulse-secret-'));
const JS = 'export const answer = 42;\n'.repeat(100);
const BIG = 24 << 20; // more than loopback socket buffers hold, so the answer takes a while
let d;

before(async () => {
  fs.mkdirSync(path.join(root, 'assets'));
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>Pulse test</title>');
  fs.writeFileSync(path.join(root, 'assets', 'index-AbCd1234.js'), JS);
  fs.writeFileSync(path.join(root, 'assets', 'index-AbCd1234.css'), 'body{color:red}');
  fs.writeFileSync(path.join(root, 'assets', 'font-AbCd1234.woff2'), 'wOF2');
  fs.writeFileSync(path.join(root, 'manifest.webmanifest'), '{}');
  fs.writeFileSync(path.join(root, 'favicon.ico'), 'ico');
  fs.writeFileSync(path.join(root, 'big.png'), Buffer.alloc(BIG, 7));
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'top secret');
  fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'link.txt'));
  d = await startPulse(['--static', root]);
});

after(async () => {
  await d?.stop('SIGTERM');
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

const get = (p, headers = '') =>
  httpRaw(d.port, `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1:${d.port}\r\n${headers}Connection: close\r\n\r\n`);

describe('static files', () => {
  test('content types and cache lifetimes', async () => {
    const cases = [
      ['/', 'text/html; charset=utf-8', 'no-cache'],
      ['/assets/index-AbCd1234.js', 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable'],
      ['/assets/index-AbCd1234.css', 'text/css; charset=utf-8', 'public, max-age=31536000, immutable'],
      ['/assets/font-AbCd1234.woff2', 'font/woff2', 'public, max-age=31536000, immutable'],
      ['/manifest.webmanifest', 'application/manifest+json', 'no-cache'],
      ['/favicon.ico', 'image/x-icon', 'no-cache'],
    ];
    for (const [p, type, cache] of cases) {
      const r = await get(p);
      assert.equal(r.status, 200, p);
      assert.equal(r.headers['content-type'], type, p);
      assert.equal(r.headers['cache-control'], cache, p);
      assert.ok(r.headers.etag, p);
    }
  });

  test('gzip when accepted, identical after decompression; identity otherwise', async () => {
    const gz = await get('/assets/index-AbCd1234.js', 'Accept-Encoding: gzip, br\r\n');
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gz.headers.vary, 'Accept-Encoding');
    assert.equal(zlib.gunzipSync(gz.body).toString(), JS);
    const plain = await get('/assets/index-AbCd1234.js');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.body.toString(), JS);
    const refused = await get('/assets/index-AbCd1234.js', 'Accept-Encoding: gzip;q=0\r\n');
    assert.equal(refused.headers['content-encoding'], undefined);
  });

  test('If-None-Match with the ETag gives 304 without a body', async () => {
    const first = await get('/');
    const again = await get('/', `If-None-Match: ${first.headers.etag}\r\n`);
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
  });

  test('unknown routes get index.html; a missing file name is 404', async () => {
    for (const p of ['/history', '/some/deep/route', '/route?x=1']) {
      const r = await get(p);
      assert.equal(r.status, 200, p);
      assert.match(r.body.toString(), /Pulse test/, p);
    }
    for (const p of ['/missing.js', '/assets/nope-AbCd1234.css', '/x/y.png']) {
      assert.equal((await get(p)).status, 404, p);
    }
  });

  test('a final response (Connection: close) is delivered whole to a slow reader', async () => {
    const sock = net.connect(d.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    sock.pause();
    sock.write(`GET /big.png HTTP/1.1\r\nHost: 127.0.0.1:${d.port}\r\nConnection: close\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 3000)); // longer than the server's drain timeout
    const chunks = [];
    sock.on('data', (c) => chunks.push(c));
    sock.resume();
    await new Promise((r) => sock.once('close', r));
    const all = Buffer.concat(chunks);
    const head = all.subarray(0, all.indexOf('\r\n\r\n')).toString('latin1');
    assert.match(head, /^HTTP\/1\.1 200/);
    assert.match(head, /\r\nConnection: close(\r\n|$)/i);
    assert.equal(all.length - head.length - 4, BIG, 'the whole body arrived');
  });

  test('responses that end the connection say Connection: close', async () => {
    const r = await httpRaw(d.port, `GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: bad\r\n\r\n`);
    assert.equal(r.status, 400);
    assert.equal(r.headers.connection, 'close');
  });

  test('no request reaches a file outside the root', async () => {
    const attempts = ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/assets/%2E%2E/%2E%2E/etc/passwd', '/..%2f..%2f..%2fetc%2fpasswd', '//etc/passwd',
      '/%00', '/index.html%00.js', '/assets%5c..%5c..%5cetc%5cpasswd', '/link.txt'];
    for (const p of attempts) {
      const r = await get(p);
      const body = r.body?.toString() ?? '';
      assert.ok(!/root:|top secret/.test(body), `${p} leaked a file`);
      assert.ok(r.status === 404 || r.status === 400 || (r.status === 200 && /Pulse test/.test(body)), `${p}: ${r.status}`);
    }
    // an absolute-form request target
    const abs = await httpRaw(d.port, `GET http://127.0.0.1:${d.port}/etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.ok(!/root:/.test(abs.body?.toString() ?? ''));
  });

  test('long URLs: a path up to the URL limit is served like a short one; past it, 414', async () => {
    const long = `/${'x'.repeat(1500)}`; // no extension: the dashboard's index.html
    const r = await get(long);
    assert.equal(r.status, 200);
    assert.match(r.body.toString(), /Pulse test/);
    assert.equal((await get(`/${'y'.repeat(1500)}.js`)).status, 404);
    assert.equal((await get(`/${'z'.repeat(3000)}`)).status, 414);
  });

  test('a stored header may use the whole head budget (a long If-None-Match, Origin)', async () => {
    const first = await get('/assets/index-AbCd1234.js');
    const etag = first.headers.etag;
    const many = Array.from({ length: 60 }, (_, i) => `W/"other-${i}-${'e'.repeat(40)}"`).join(', ');
    const r = await get('/assets/index-AbCd1234.js', `If-None-Match: ${many}, ${etag}\r\n`);
    assert.equal(r.status, 304, 'the ETag at the end of a 3 KB If-None-Match still matches');
    const o = await get('/', `Origin: http://127.0.0.1:${d.port}\r\nX-Pad: ${'p'.repeat(4000)}\r\n`);
    assert.equal(o.status, 200);
    const big = await get('/', `X-Pad: ${'p'.repeat(9000)}\r\n`);
    assert.equal(big.status, 431, 'a head over 8 KiB is still refused');
  });
});

// With auth off the daemon writes its latest snapshot into the dashboard page's empty
// <script type="application/json" id="pulse-snapshot"> element, so the page's first-paint script
// draws values without waiting for its WebSocket (docs/PROTOCOL.md, HTTP). A page without that
// element (the suite above) is served as it is.
describe('the dashboard page with the latest values inlined', () => {
  const page = fs.mkdtempSync(path.join(os.tmpdir(), 'pulse-page-'));
  const secret = path.join(page, '..', `${path.basename(page)}.secret`);
  const OPEN = '<script type="application/json" id="pulse-snapshot">';
  const HTML = `<!doctype html><html lang="en"><head><meta charset="UTF-8">${OPEN}</script><title>Pulse test</title></head><body><div id="root"></div></body></html>`;
  let open;
  let authed;
  const fetchRaw = (port, p, extra = '') =>
    httpRaw(port, `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${extra}Connection: close\r\n\r\n`);

  before(async () => {
    fs.writeFileSync(path.join(page, 'index.html'), HTML);
    fs.writeFileSync(path.join(page, 'app.js'), 'export {};\n');
    fs.writeFileSync(secret, 's'.repeat(40), { mode: 0o600 });
    open = await startPulse(['--static', page]);
    authed = await startPulse(['--static', page, '--auth-secret-file', secret]);
  });

  after(async () => {
    await open?.stop('SIGTERM');
    await authed?.stop('SIGTERM');
    fs.rmSync(page, { recursive: true, force: true });
    fs.rmSync(secret, { force: true });
  });

  test('GET / carries the snapshot reply in the page\'s slot, never cached', async () => {
    const r = await fetchRaw(open.port, '/');
    assert.equal(r.status, 200);
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.equal(r.headers.etag, undefined, 'a fresh page each time: no validator');
    assert.equal(r.headers['content-encoding'], undefined, 'not asked for gzip');
    const body = r.body.toString();
    assert.equal(Number(r.headers['content-length']), r.body.length);
    assert.ok(body.startsWith(`<!doctype html><html lang="en"><head><meta charset="UTF-8">${OPEN}{`), body.slice(0, 120));
    const json = body.slice(body.indexOf(OPEN) + OPEN.length, body.indexOf('</script>'));
    assert.ok(!json.includes('<'), 'every < of the data is escaped');
    const snap = JSON.parse(json);
    assert.equal(snap.type, 'snapshot');
    assert.equal(typeof snap.metrics.ts, 'number');
    assert.equal(typeof snap.metrics.cpu.usage, 'number', 'real values, not nulls');
    assert.ok(snap.host && typeof snap.host.hostname === 'string');
    assert.ok(body.endsWith('}</script><title>Pulse test</title></head><body><div id="root"></div></body></html>'));
  });

  test('the page is gzipped when accepted, and the same after inflating', async () => {
    const big = `<!doctype html><html><head>${OPEN}</script><style>${'.card{color:red}\n'.repeat(400)}</style></head></html>`;
    fs.writeFileSync(path.join(page, 'index.html'), big);
    const d2 = await startPulse(['--static', page]);
    try {
      const gz = await fetchRaw(d2.port, '/', 'Accept-Encoding: gzip\r\n');
      assert.equal(gz.headers['content-encoding'], 'gzip');
      assert.equal(gz.headers.vary, 'Accept-Encoding');
      assert.equal(Number(gz.headers['content-length']), gz.body.length);
      const text = zlib.gunzipSync(gz.body).toString();
      assert.ok(text.includes(OPEN + '{"type":"snapshot"'), text.slice(0, 200));
      assert.ok(gz.body.length < text.length / 4);
      const plain = await fetchRaw(d2.port, '/');
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.ok(plain.body.toString().includes(OPEN + '{"type":"snapshot"'));
    } finally {
      await d2.stop('SIGTERM');
      fs.writeFileSync(path.join(page, 'index.html'), HTML);
    }
  });

  test('routes of the app get the same page; other files and HEAD are unchanged', async () => {
    const deep = await fetchRaw(open.port, '/deep/a/b/');
    assert.ok(deep.body.toString().includes(`${OPEN}{"type":"snapshot"`));
    const js = await fetchRaw(open.port, '/app.js');
    assert.ok(js.headers.etag, 'other files keep their ETag');
    assert.ok(!js.body.toString().includes(OPEN));
    // HEAD: the same head, no body (read to the close: the parser would wait for the body)
    const head = await new Promise((resolve, reject) => {
      const chunks = [];
      const s = net.connect(open.port, '127.0.0.1', () =>
        s.write(`HEAD / HTTP/1.1\r\nHost: 127.0.0.1:${open.port}\r\nConnection: close\r\n\r\n`),
      );
      s.on('data', (c) => chunks.push(c));
      s.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
      s.on('error', reject);
    });
    assert.match(head, /^HTTP\/1\.1 200 /);
    assert.match(head, /\r\ncache-control: no-store\r\n/i);
    const m = /\r\ncontent-length: (\d+)\r\n/i.exec(head);
    assert.ok(m && Number(m[1]) > HTML.length, head);
    assert.ok(head.endsWith('\r\n\r\n'), 'no body after the head');
  });

  test('a flood of pipelined page loads read late: each answered whole, in order; a WebSocket client unaffected', async () => {
    const N = 150; // ~150 built pages of ~4.5 kB each, gzip and identity alternating
    const reqs = Array.from({ length: N }, (_, i) =>
      `GET /r${i} HTTP/1.1\r\nHost: 127.0.0.1:${open.port}\r\n${i % 2 ? 'Accept-Encoding: gzip\r\n' : ''}${i === N - 1 ? 'Connection: close\r\n' : ''}\r\n`,
    ).join('');
    const client = await Client.connect(open.wsUrl);
    const sock = net.connect(open.port, '127.0.0.1');
    sock.pause(); // nothing read while the answers pile up
    await new Promise((r) => sock.once('connect', r));
    sock.write(reqs);
    await new Promise((r) => setTimeout(r, 300));
    const pong = await client.request({ type: 'ping' });
    assert.equal(pong.type, 'pong', 'other clients are served meanwhile');
    const chunks = [];
    sock.on('data', (c) => chunks.push(c));
    sock.resume();
    await new Promise((resolve, reject) => {
      sock.on('end', resolve);
      sock.on('error', reject);
    });
    client.terminate();
    let buf = Buffer.concat(chunks);
    let pages = 0;
    while (buf.length) {
      const headEnd = buf.indexOf('\r\n\r\n');
      assert.ok(headEnd > 0, `answer ${pages + 1} has a head`);
      const head = buf.subarray(0, headEnd).toString('latin1');
      assert.match(head, /^HTTP\/1\.1 200 /);
      const len = Number(/\r\ncontent-length: (\d+)/i.exec(head)[1]);
      let body = buf.subarray(headEnd + 4, headEnd + 4 + len);
      assert.equal(body.length, len, `answer ${pages + 1} is whole`);
      if (/\r\ncontent-encoding: gzip/i.test(head)) body = zlib.gunzipSync(body);
      assert.ok(body.toString().includes(`${OPEN}{"type":"snapshot"`), `answer ${pages + 1} carries the snapshot`);
      assert.equal(/\r\ncontent-encoding: gzip/i.test(head), pages % 2 === 1, `answer ${pages + 1} in order`);
      pages += 1;
      buf = buf.subarray(headEnd + 4 + len);
    }
    assert.equal(pages, N);
  });

  test('with auth on, the page is the file itself: the values need a token', async () => {
    const r = await fetchRaw(authed.port, '/');
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), HTML, 'the file as it is: the slot stays empty');
    assert.ok(r.headers.etag);
  });
});
