// TLS 1.3 after the handshake runs on Pulse's own record layer (the SSL object is freed): each
// TLS 1.3 cipher carries wss and https, messages far larger than a record go both ways, more
// than 2^16 records go each way, a client's KeyUpdate (openssl s_client `k` and `K`) is
// followed, and TLS 1.2 still works on OpenSSL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, sleep, waitFor, withPulse } from './lib.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pulse-tlsrec-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
const cert = path.join(dir, 'c.crt');
const key = path.join(dir, 'c.key');
execFileSync('openssl', [
  'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
  '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
], { stdio: 'ignore' });
const flags = ['--tls-cert', cert, '--tls-key', key];
const insecure = { rejectUnauthorized: false };

const SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];

for (const suite of SUITES) {
  test(`${suite}: large messages both ways after the handover`, async (t) => {
    const d = await withPulse(t, [...flags, '--max-message-bytes', '2000000']);
    const c = await Client.connect(d.wsUrl, { wsOptions: { ...insecure, ciphers: suite } });
    assert.equal(c.ws._socket.getCipher().standardName, suite);
    assert.equal(c.ws._socket.getProtocol(), 'TLSv1.3');
    await c.request({ type: 'subscribe', channel: 'big' });
    for (const size of [1, 16384, 16385, 100000, 1000000]) {
      const data = 'abcdefghijklmnopqrstuvwxyz'.repeat(Math.ceil(size / 26)).slice(0, size);
      const got = c.next((m) => m.type === 'message' && m.data.length === size, 10000);
      await c.request({ type: 'publish', channel: 'big', data }, 10000);
      assert.equal((await got).data, data);
    }
    await c.close();
  });
}

test('more than 2^16 records each way on one connection', async (t) => {
  const d = await withPulse(t, [...flags, '--rate-limit', '1000000', '--rate-burst', '1000000']);
  const c = await Client.connect(d.wsUrl, { wsOptions: insecure });
  for (let i = 0; i < 66000; i++) { // one ping record out, one pong record back, each time
    const pong = await c.request({ type: 'ping', ts: i }, 10000);
    assert.equal(pong.ts, i);
    c.all.length = 0;
  }
  await c.close();
});

/** openssl s_client on the daemon's port; resolves with a handle to write lines and read. */
function sClient(port, extra = []) {
  const p = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-crlf', ...extra], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const h = { p, out: '', err: '' };
  p.stdout.on('data', (b) => (h.out += b));
  p.stderr.on('data', (b) => (h.err += b));
  return h;
}

async function healthz(h, n) {
  const before = (h.out.match(/\r\nok/g) || []).length;
  h.p.stdin.write('GET /healthz HTTP/1.1\nHost: x\n\n');
  await waitFor(() => (h.out.match(/\r\nok/g) || []).length > before, { what: `healthz ${n}` });
}

test('a client KeyUpdate (openssl s_client k and K) is followed both ways', async (t) => {
  const d = await withPulse(t, flags);
  const h = sClient(d.port, ['-tls1_3', '-CAfile', cert]);
  t.after(() => h.p.kill());
  await waitFor(() => /Verify return code/.test(h.out), { what: 'the s_client handshake' });
  await healthz(h, 1);
  await sleep(50);
  h.p.stdin.write('k\n'); // update_not_requested: only the client's sending keys change
  await waitFor(() => /KEYUPDATE/.test(h.err), { what: 'the KEYUPDATE echo' });
  await sleep(50);
  await healthz(h, 2);
  await sleep(50);
  h.p.stdin.write('K\n'); // update_requested: the server answers with its own KeyUpdate
  await waitFor(() => (h.err.match(/KEYUPDATE/g) || []).length === 2, { what: 'the second echo' });
  await sleep(50);
  await healthz(h, 3);
  await healthz(h, 4);
  assert.doesNotMatch(h.out + h.err, /alert|error/i);
  h.p.stdin.end();
});

test('TLS 1.2 stays on OpenSSL and works', async (t) => {
  const d = await withPulse(t, flags);
  const c = await Client.connect(d.wsUrl, { wsOptions: { ...insecure, maxVersion: 'TLSv1.2' } });
  assert.equal(c.ws._socket.getProtocol(), 'TLSv1.2');
  await c.request({ type: 'subscribe', channel: 'x' });
  const data = 'y'.repeat(50000);
  const got = c.next((m) => m.type === 'message', 5000);
  await c.request({ type: 'publish', channel: 'x', data });
  assert.equal((await got).data, data);
  await c.close();
});
