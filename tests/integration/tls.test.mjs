// Native TLS: https and wss on one port with a certificate made by `openssl` here; start-up
// checks (missing file, mismatched key, one flag alone, expired certificate); ALPN, TLS 1.2
// minimum, session resumption; plain HTTP on the TLS port refused; a stalled handshake does not
// block others and is dropped; SIGHUP reloads the pair for new handshakes while open connections
// go on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import WebSocket from 'ws';
import { Client, RawClient, runPulse, startPulse, waitFor, withPulse, withTimeout } from './lib.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pulse-tls-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

function makePair(name, days = 2, extra = []) {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-days', String(days), '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', key, '-out', cert, ...extra,
  ], { stdio: 'ignore' });
  return { cert, key };
}

const A = makePair('a');
const B = makePair('b');

function tlsFlags(p) {
  return ['--tls-cert', p.cert, '--tls-key', p.key];
}

const insecure = { rejectUnauthorized: false };

/** A TLS connection: resolves with the socket once the handshake is done. */
function tlsConnect(port, opts = {}) {
  return withTimeout(
    new Promise((resolve, reject) => {
      const s = tls.connect({ port, host: '127.0.0.1', ...insecure, ...opts }, () => resolve(s));
      s.once('error', reject);
    }),
    5000,
    'a TLS handshake',
  );
}

function httpsGet(port, p, opts = {}) {
  return withTimeout(
    new Promise((resolve, reject) => {
      const req = https.get({ host: '127.0.0.1', port, path: p, ...insecure, ...opts }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode, body, headers: res.headers }));
      });
      req.on('error', reject);
    }),
    5000,
    `GET ${p}`,
  );
}

function fingerprint(sock) {
  return sock.getPeerCertificate().fingerprint256;
}

test('https and wss on one port; the listening line says https://', async (t) => {
  const d = await withPulse(t, tlsFlags(A));
  assert.match(d.listenLine, /^pulse listening on https:\/\/127\.0\.0\.1:\d+$/);
  const r = await httpsGet(d.port, '/healthz');
  assert.equal(r.status, 200);
  assert.equal(r.body, 'ok');
  const c = await Client.connect(d.wsUrl, { wsOptions: insecure });
  assert.equal(c.welcome.type, 'welcome');
  const pong = await c.request({ type: 'ping', ts: 7 });
  assert.equal(pong.ts, 7);
  // a pub/sub round trip with a message larger than one TLS record
  await c.request({ type: 'subscribe', channel: 'big' });
  const data = 'x'.repeat(40000);
  const got = c.next((m) => m.type === 'message' && m.channel === 'big', 5000);
  await c.request({ type: 'publish', channel: 'big', data });
  assert.equal((await got).data, data);
  await c.close();
});

/** The status of a wss upgrade sent with this Origin: 101 or the refusal's status. */
function upgradeStatus(url, origin) {
  return withTimeout(
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { ...insecure, origin });
      ws.once('open', () => {
        ws.terminate();
        resolve(101);
      });
      ws.once('unexpected-response', (_req, res) => {
        res.resume();
        ws.terminate();
        resolve(res.statusCode);
      });
      ws.once('error', reject);
    }),
    5000,
    `an upgrade with Origin ${origin}`,
  );
}

test('same-origin under TLS is the https:// origin: a page served here may open its wss', async (t) => {
  const d = await withPulse(t, tlsFlags(A));
  assert.equal(await upgradeStatus(d.wsUrl, `https://127.0.0.1:${d.port}`), 101);
  assert.equal(await upgradeStatus(d.wsUrl, `http://127.0.0.1:${d.port}`), 403, 'the http:// origin is another one');
  assert.equal(await upgradeStatus(d.wsUrl, `https://127.0.0.1:${d.port + 1}`), 403);
});

test('TLS settings: ALPN http/1.1, TLS 1.3 preferred, 1.2 accepted, 1.1 refused', async (t) => {
  const d = await withPulse(t, tlsFlags(A));
  const s = await tlsConnect(d.port, { ALPNProtocols: ['h2', 'http/1.1'] });
  assert.equal(s.alpnProtocol, 'http/1.1');
  assert.equal(s.getProtocol(), 'TLSv1.3');
  s.destroy();
  const s12 = await tlsConnect(d.port, { maxVersion: 'TLSv1.2' });
  assert.equal(s12.getProtocol(), 'TLSv1.2');
  assert.match(s12.getCipher().name, /^ECDHE-ECDSA-(AES|CHACHA)/);
  s12.destroy();
  await assert.rejects(
    tlsConnect(d.port, { maxVersion: 'TLSv1.1', minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }),
  );
  // and the server still serves
  assert.equal((await httpsGet(d.port, '/healthz')).status, 200);
});

test('TLS sessions are resumed (tickets)', async (t) => {
  const d = await withPulse(t, tlsFlags(A));
  for (const maxVersion of ['TLSv1.3', 'TLSv1.2']) {
    let session;
    const first = tls.connect({ port: d.port, host: '127.0.0.1', maxVersion, ...insecure });
    first.on('session', (s) => (session = s)); // may come before or after the handshake
    first.on('error', () => {});
    await waitFor(() => session, { what: `a ${maxVersion} session ticket` });
    first.end();
    await withTimeout(new Promise((resolve) => first.once('close', resolve)), 3000, 'close');
    const again = await tlsConnect(d.port, { maxVersion, session });
    assert.equal(again.isSessionReused(), true, `${maxVersion} session reused`);
    again.destroy();
  }
});

test('plain HTTP sent to the TLS port gets a clear refusal, not a hang', async (t) => {
  const d = await withPulse(t, tlsFlags(A));
  const c = await RawClient.connect(d.port);
  const resp = await c.handshake();
  assert.equal(resp.status, 400);
  assert.match(resp.text, /https:\/\//);
  assert.equal(await c.waitEnd(3000), true);
  assert.equal((await httpsGet(d.port, '/healthz')).status, 200);
});

test('stalled handshakes do not block others and are dropped after the request deadline', async (t) => {
  const d = await withPulse(t, tlsFlags(A));
  const idle = net.connect({ port: d.port, host: '127.0.0.1' });
  const half = net.connect({ port: d.port, host: '127.0.0.1' });
  half.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])); // half a ClientHello
  const ended = (s) => new Promise((resolve) => s.once('close', () => resolve(Date.now())));
  const t0 = Date.now();
  const ends = Promise.all([ended(idle), ended(half)]);
  idle.on('error', () => {});
  half.on('error', () => {});
  const c = await Client.connect(d.wsUrl, { wsOptions: insecure });
  assert.equal((await c.request({ type: 'ping' })).type, 'pong');
  await c.close();
  const [a, b] = await withTimeout(ends, 15000, 'stalled handshakes to be dropped');
  assert.ok(a - t0 >= 8000 && b - t0 >= 8000, 'not dropped before the deadline');
});

test('start-up: missing file, mismatched key, one flag alone exit 1 with one line', async () => {
  const cases = [
    [['--tls-cert', path.join(dir, 'nope.crt'), '--tls-key', A.key], /nope\.crt/],
    [['--tls-cert', A.cert, '--tls-key', B.key], /does not match/],
    [['--tls-cert', A.cert], /--tls-key/],
    [['--tls-key', A.key], /--tls-cert/],
  ];
  for (const [flags, re] of cases) {
    const r = await runPulse(['--port', '0', '--db', ':memory:', ...flags]);
    assert.equal(r.code, 1, `${flags.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], re);
  }
});

test('an expired certificate starts with a warning', async (t) => {
  const old = makePair('old', 1, []);
  // re-sign it so that it expired yesterday
  execFileSync('openssl', [
    'x509', '-in', old.cert, '-signkey', old.key, '-days', '-1', '-out', old.cert,
  ], { stdio: 'ignore' });
  const d = await withPulse(t, tlsFlags(old));
  await waitFor(() => /expired/.test(d.stderr), { what: 'an expiry warning' });
  assert.equal((await httpsGet(d.port, '/healthz')).status, 200);
});

test('SIGHUP reloads the pair: new handshakes see it, open connections go on', async (t) => {
  const live = { cert: path.join(dir, 'live.crt'), key: path.join(dir, 'live.key') };
  fs.copyFileSync(A.cert, live.cert);
  fs.copyFileSync(A.key, live.key);
  const d = await withPulse(t, tlsFlags(live));
  const s = await tlsConnect(d.port);
  const before = fingerprint(s);
  s.destroy();
  const open = await Client.connect(d.wsUrl, { wsOptions: insecure });
  fs.copyFileSync(B.cert, live.cert);
  fs.copyFileSync(B.key, live.key);
  d.child.kill('SIGHUP');
  await waitFor(
    async () => {
      const s2 = await tlsConnect(d.port);
      const fp = fingerprint(s2);
      s2.destroy();
      return fp !== before;
    },
    { what: 'a handshake with the new certificate' },
  );
  assert.equal((await open.request({ type: 'ping' })).type, 'pong');
  // a broken pair on reload keeps the old one
  fs.writeFileSync(live.key, 'not a key');
  d.child.kill('SIGHUP');
  await waitFor(() => /reload/i.test(d.stderr), { what: 'a reload failure line' });
  const s3 = await tlsConnect(d.port);
  assert.notEqual(fingerprint(s3), before);
  s3.destroy();
  assert.equal(d.running, true);
  await open.close();
});
