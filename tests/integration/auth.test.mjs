// Token auth (SPEC §2, §3, §5, §7): the secret file, `pulse token`, tokens on the upgrade and in
// `auth`, role rules, per-user delivery, re-auth, expiry on an open connection, /api Bearer,
// SIGHUP rotation and the failure counter. Tokens are signed here with Node's own HMAC, so the
// daemon is checked against an independent JWT implementation, not only against itself.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  runPulse,
  startPulse,
  withPulse,
  Client,
  RawClient,
  httpGet,
  waitFor,
  sleep,
  closeAll,
} from './lib.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pulse-auth-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
let fileSeq = 0;

/** Writes `content` to a fresh file with `mode`; returns its path. */
function secretFile(content, mode = 0o600) {
  const p = path.join(tmp, `secret-${++fileSeq}`);
  fs.writeFileSync(p, content, { mode });
  fs.chmodSync(p, mode);
  return p;
}

const b64url = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const nowS = () => Math.floor(Date.now() / 1000);

/** A JWT signed with HMAC (`hash` sha256 for HS256) by Node's crypto. */
function jwt(secret, claims, { header = { alg: 'HS256', typ: 'JWT' }, hash = 'sha256' } = {}) {
  const signing = `${b64url(header)}.${b64url(claims)}`;
  const sig = crypto.createHmac(hash, secret).update(signing).digest('base64url');
  return `${signing}.${sig}`;
}

/** Verifies an HS256 JWT with Node's crypto; returns its claims or throws. */
function verifyJwt(secret, token) {
  const [h, p, s] = token.split('.');
  const want = crypto.createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
  assert.equal(s, want, 'signature verifies with Node crypto');
  assert.deepEqual(JSON.parse(Buffer.from(h, 'base64url')), { alg: 'HS256', typ: 'JWT' });
  return JSON.parse(Buffer.from(p, 'base64url'));
}

const SECRET = crypto.randomBytes(24).toString('hex'); // 48 bytes
const tok = (sub, roles = [], ttl = 600, extra = {}) =>
  jwt(SECRET, { sub, roles, iat: nowS(), exp: nowS() + ttl, ...extra });

async function failures(d) {
  const r = await httpGet(d.port, '/metrics');
  const m = /^pulse_auth_failures_total (\d+)$/m.exec(r.text);
  assert.ok(m, 'pulse_auth_failures_total is exposed');
  return Number(m[1]);
}

async function authed(d, token, opts = {}) {
  const c = await Client.connect(d.wsUrl, opts);
  const r = await c.request({ type: 'auth', token });
  assert.equal(r.type, 'auth_ok', `auth_ok, got ${JSON.stringify(r)}`);
  return c;
}

/** Status of a raw upgrade with extra headers or path. */
async function upgradeStatus(d, { path: p = '/ws', headers = {} } = {}) {
  const c = await RawClient.connect(d.port);
  try {
    const r = await c.handshake({ path: p, headers });
    return r;
  } finally {
    c.destroy();
  }
}

describe('auth: the secret file', () => {
  const oneLine = (s) => s.replace(/\n$/, '').split('\n').length === 1;

  test('missing file exits 1 with one line on stderr', async () => {
    const r = await runPulse(['--port', '0', '--db', ':memory:', '--auth-secret-file', path.join(tmp, 'nope')]);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(oneLine(r.stderr), JSON.stringify(r.stderr));
    assert.doesNotMatch(r.stdout, /listening/);
  });

  test('shorter than 32 bytes after stripping trailing white space exits 1', async () => {
    const p = secretFile('a'.repeat(31) + ' \n\t\r\n');
    const r = await runPulse(['--port', '0', '--db', ':memory:', '--auth-secret-file', p]);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(oneLine(r.stderr), JSON.stringify(r.stderr));
    assert.match(r.stderr, /32/);
  });

  test('a directory exits 1', async () => {
    const r = await runPulse(['--port', '0', '--db', ':memory:', '--auth-secret-file', tmp]);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(oneLine(r.stderr));
  });

  test('32 bytes plus trailing white space: the stripped content is the secret', async (t) => {
    const secret = 'b'.repeat(32);
    const d = await withPulse(t, ['--auth-secret-file', secretFile(secret + '\n \n')]);
    assert.equal(d.stderr, '', 'no warning for a 0600 file');
    const c = await authed(d, jwt(secret, { sub: 'x', exp: nowS() + 60 }));
    // The token signed with the unstripped content is refused.
    const r = await c.request({ type: 'auth', token: jwt(secret + '\n \n', { sub: 'x', exp: nowS() + 60 }) });
    assert.equal(r.code, 'unauthorized');
    await c.close();
  });

  test('a file readable by group or others starts with one warning line', async (t) => {
    const d = await withPulse(t, ['--auth-secret-file', secretFile(SECRET, 0o644)]);
    const lines = d.stderr.replace(/\n$/, '').split('\n');
    assert.equal(lines.length, 1, JSON.stringify(d.stderr));
    assert.match(lines[0], /warn/i);
  });
});

describe('auth: pulse token', () => {
  test('prints only a standard HS256 JWT that Node crypto verifies; default ttl 3600', async () => {
    const p = secretFile(SECRET + '\n');
    const t0 = nowS();
    const r = await runPulse(['token', '--auth-secret-file', p, '--user', 'alice', '--role', 'publisher', '--role', 'admin']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/);
    const claims = verifyJwt(SECRET, r.stdout.trim());
    assert.equal(claims.sub, 'alice');
    assert.deepEqual(claims.roles, ['publisher', 'admin']);
    assert.ok(claims.iat >= t0 - 1 && claims.iat <= nowS() + 1);
    assert.equal(claims.exp - claims.iat, 3600);
  });

  test('--ttl sets exp; the daemon accepts the token', async (t) => {
    const p = secretFile(SECRET);
    const r = await runPulse(['token', '--auth-secret-file', p, '--user', 'bob', '--ttl', '120']);
    assert.equal(r.code, 0, r.stderr);
    const claims = verifyJwt(SECRET, r.stdout.trim());
    assert.equal(claims.exp - claims.iat, 120);
    assert.deepEqual(claims.roles, []);
    const d = await withPulse(t, ['--auth-secret-file', p]);
    const c = await Client.connect(d.wsUrl);
    const ok = await c.request({ type: 'auth', token: r.stdout.trim() });
    assert.equal(ok.type, 'auth_ok');
    assert.equal(ok.user, 'bob');
    assert.equal(ok.expires, claims.exp * 1000, 'expires is in ms');
    await c.close();
  });

  test('bad flags exit 2, an unusable secret file exits 1, one line on stderr', async () => {
    const p = secretFile(SECRET);
    for (const args of [
      ['--user', 'a'],
      ['--auth-secret-file', p],
      ['--auth-secret-file', p, '--user', 'a', '--ttl', 'abc'],
      ['--auth-secret-file', p, '--user', 'a', '--ttl', '0'],
      ['--auth-secret-file', p, '--user', 'a', '--nope'],
    ]) {
      const r = await runPulse(['token', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.replace(/\n$/, '').split('\n').length, 1);
    }
    const r = await runPulse(['token', '--auth-secret-file', secretFile('short'), '--user', 'a']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
  });
});

describe('auth: open mode', () => {
  test('welcome.auth_required is false, auth is bad_request, from is the connection id', async (t) => {
    const d = await withPulse(t);
    const a = await Client.connect(d.wsUrl);
    assert.equal(a.welcome.auth_required, false);
    const r = await a.request({ type: 'auth', token: tok('alice') });
    assert.equal(r.type, 'error');
    assert.equal(r.code, 'bad_request');
    await a.request({ type: 'subscribe', channel: 'room' });
    await a.request({ type: 'publish', channel: 'room', data: 1 });
    const m = await a.next((x) => x.type === 'message');
    assert.equal(m.from, a.id);
    await a.close();
  });
});

describe('auth: tokens and rules against the daemon', () => {
  let d;
  before(async () => {
    d = await startPulse(['--auth-secret-file', secretFile(SECRET)]);
  });
  after(async () => {
    const info = await d.stop('SIGTERM', 5000);
    if (process.env.PULSE_SANITIZER) {
      assert.equal(info.code, 0, d.stderr.slice(-4000));
      assert.doesNotMatch(d.stderr, /(AddressSanitizer|LeakSanitizer|runtime error:)/);
    }
  });

  test('an unauthenticated connection may only ping and auth', async () => {
    const c = await Client.connect(d.wsUrl);
    assert.equal(c.welcome.auth_required, true);
    assert.equal((await c.request({ type: 'ping', ts: 5 })).type, 'pong');
    for (const m of [
      { type: 'subscribe', channel: 'metrics' },
      { type: 'unsubscribe', channel: 'room' },
      { type: 'publish', channel: 'room', data: 1 },
      { type: 'direct', to: 'x', data: 1 },
      { type: 'snapshot' },
      { type: 'history', metric: 'cpu.usage', seconds: 60 },
      { type: 'stats' },
      { type: 'no_such_type' },
    ]) {
      const r = await c.request(m);
      assert.equal(r.type, 'error', JSON.stringify(m));
      assert.equal(r.code, 'unauthorized', JSON.stringify(m));
    }
    assert.ok(c.isOpen, 'refusals never close the connection');
    await c.close();
  });

  test('auth_ok carries user, roles and expires (ms); the connection may then subscribe', async () => {
    const exp = nowS() + 300;
    const c = await Client.connect(d.wsUrl);
    const r = await c.request({ type: 'auth', token: jwt(SECRET, { sub: 'alice', roles: ['publisher'], exp }) });
    assert.deepEqual(
      { type: r.type, user: r.user, roles: r.roles, expires: r.expires },
      { type: 'auth_ok', user: 'alice', roles: ['publisher'], expires: exp * 1000 },
    );
    assert.equal((await c.request({ type: 'subscribe', channel: 'metrics.cpu' })).type, 'subscribed');
    await c.next((m) => m.type === 'metrics');
    await c.close();
  });

  test('every bad token in `auth` is unauthorized and counted', async () => {
    const good = tok('mallory', ['admin']);
    const [h, p, s] = good.split('.');
    const claims = { sub: 'mallory', roles: ['admin'], exp: nowS() + 600 };
    const cases = {
      'wrong signature': jwt('another-secret-another-secret-another-secret', claims),
      'tampered payload': `${h}.${b64url({ ...claims, sub: 'root' })}.${s}`,
      'alg none': `${b64url({ alg: 'none', typ: 'JWT' })}.${p}.`,
      'alg none with signature': `${b64url({ alg: 'none' })}.${p}.${s}`,
      HS512: jwt(SECRET, claims, { header: { alg: 'HS512', typ: 'JWT' }, hash: 'sha512' }),
      'RS256 header': jwt(SECRET, claims, { header: { alg: 'RS256', typ: 'JWT' } }),
      expired: jwt(SECRET, { ...claims, exp: nowS() - 30 }),
      'no exp': jwt(SECRET, { sub: 'mallory', roles: ['admin'] }),
      'future nbf': jwt(SECRET, { ...claims, nbf: nowS() + 120 }),
      'two parts': `${h}.${p}`,
      'four parts': `${good}.${s}`,
      'not base64url': `${h}.${p}.${s}=`,
      'header not JSON': `${b64url('not json')}.${p}.${s}`,
      'payload not JSON': jwt(SECRET, 'nope'),
      'roles not an array': jwt(SECRET, { ...claims, roles: 'admin' }),
      'sub not a string': jwt(SECRET, { ...claims, sub: 42 }),
      oversized: jwt(SECRET, { ...claims, pad: 'x'.repeat(9000) }),
      empty: '',
    };
    const before = await failures(d);
    const c = await Client.connect(d.wsUrl);
    for (const [name, token] of Object.entries(cases)) {
      const r = await c.request({ type: 'auth', token });
      assert.equal(r.type, 'error', name);
      assert.equal(r.code, 'unauthorized', `${name}: ${JSON.stringify(r)}`);
    }
    const r = await c.request({ type: 'stats' });
    assert.equal(r.code, 'unauthorized', 'still not authenticated');
    const bad = await c.request({ type: 'auth', token: 5 });
    assert.equal(bad.code, 'bad_request', 'a token that is not a string is bad_request');
    assert.equal(await failures(d), before + Object.keys(cases).length);
    await c.close();
  });

  test('a token in the query or in Authorization: Bearer authenticates the upgrade', async () => {
    const q = await Client.connect(`${d.wsUrl}?token=${encodeURIComponent(tok('qwen', ['admin']))}`);
    assert.equal(q.welcome.user, 'qwen');
    assert.equal((await q.request({ type: 'stats' })).type, 'stats');
    const h = await Client.connect(d.wsUrl, { wsOptions: { headers: { Authorization: `Bearer ${tok('hana')}` } } });
    assert.equal(h.welcome.user, 'hana');
    assert.equal((await h.request({ type: 'subscribe', channel: 'room' })).type, 'subscribed');
    await closeAll([q, h]);
  });

  test('a bad token on the upgrade is refused with 401 and counted', async () => {
    const before = await failures(d);
    const expired = jwt(SECRET, { sub: 'x', exp: nowS() - 10 });
    const r1 = await upgradeStatus(d, { path: `/ws?token=${expired}` });
    const r2 = await upgradeStatus(d, { headers: { Authorization: 'Bearer not.a.token' } });
    const r3 = await upgradeStatus(d, { headers: { Authorization: `Bearer ${jwt('wrong-secret-wrong-secret-wrong-secret', { sub: 'x', exp: nowS() + 60 })}` } });
    // The API's error object, with the token's fault as the message, and the connection closed.
    for (const [r, message] of [
      [r1, 'token expired'],
      [r2, 'malformed token'],
      [r3, 'bad token signature'],
    ]) {
      assert.equal(r.status, 401);
      assert.match(r.headers['content-type'], /^application\/json/);
      assert.equal(r.headers['www-authenticate'], 'Bearer');
      assert.equal(r.headers.connection, 'close');
      assert.deepEqual(JSON.parse(r.body.toString()), { type: 'error', code: 'unauthorized', message });
    }
    assert.equal(await failures(d), before + 3);
    // No token: an unauthenticated connection, not a refusal.
    const ok = await upgradeStatus(d);
    assert.equal(ok.status, 101);
  });

  test('roles: publish needs publisher or admin, stats needs admin', async () => {
    const none = await authed(d, tok('nora'));
    const pub = await authed(d, tok('pete', ['publisher']));
    const adm = await authed(d, tok('ada', ['admin']));
    const other = await authed(d, tok('olga', ['viewer']));
    for (const c of [none, other]) {
      assert.equal((await c.request({ type: 'publish', channel: 'room', data: 1 })).code, 'forbidden');
      assert.equal((await c.request({ type: 'stats' })).code, 'forbidden');
      assert.equal((await c.request({ type: 'snapshot' })).type, 'snapshot');
    }
    await none.request({ type: 'subscribe', channel: 'room' });
    assert.equal((await pub.request({ type: 'publish', channel: 'room', data: 'hi' })).type, 'published');
    assert.equal((await pub.request({ type: 'stats' })).code, 'forbidden');
    assert.equal((await adm.request({ type: 'publish', channel: 'room', data: 'yo' })).type, 'published');
    assert.equal((await adm.request({ type: 'stats' })).type, 'stats');
    const m1 = await none.next((m) => m.type === 'message' && m.data === 'hi');
    const m2 = await none.next((m) => m.type === 'message' && m.data === 'yo');
    assert.equal(m1.from, 'pete', '`from` is the user name');
    assert.equal(m2.from, 'ada');
    await closeAll([none, pub, adm, other]);
  });

  test('direct to a user reaches each of its connections; to a connection id only that one', async () => {
    const u = await Promise.all([1, 2, 3].map(() => authed(d, tok('uma'))));
    const sender = await authed(d, tok('sid'));
    const r = await sender.request({ type: 'direct', to: 'uma', data: { n: 1 } });
    assert.deepEqual({ type: r.type, to: r.to, delivered: r.delivered }, { type: 'sent', to: 'uma', delivered: 3 });
    for (const c of u) {
      const m = await c.next((x) => x.type === 'direct');
      assert.equal(m.from, 'sid');
      assert.deepEqual(m.data, { n: 1 });
    }
    const r2 = await sender.request({ type: 'direct', to: u[1].id, data: 2 });
    assert.equal(r2.delivered, 1);
    await u[1].next((x) => x.type === 'direct' && x.data === 2);
    await u[0].barrier();
    assert.equal(u[0].take((x) => x.type === 'direct').length, 0);
    await u[2].close();
    assert.equal((await sender.request({ type: 'direct', to: 'uma', data: 3 })).delivered, 2);
    assert.equal((await sender.request({ type: 'direct', to: 'nobody', data: 3 })).code, 'not_found');
    await closeAll([...u, sender]);
    assert.equal((await (async () => {
      const s = await authed(d, tok('sid'));
      const x = await s.request({ type: 'direct', to: 'uma', data: 4 });
      await s.close();
      return x.code;
    })()), 'not_found', 'a user with no connection left is not found');
  });

  test('a later auth replaces the identity', async () => {
    const c = await authed(d, tok('bert'));
    const watcher = await authed(d, tok('wim'));
    assert.equal((await c.request({ type: 'stats' })).code, 'forbidden');
    const r = await c.request({ type: 'auth', token: tok('ada2', ['admin']) });
    assert.equal(r.user, 'ada2');
    assert.equal((await c.request({ type: 'stats' })).type, 'stats');
    assert.equal((await watcher.request({ type: 'direct', to: 'bert', data: 1 })).code, 'not_found');
    assert.equal((await watcher.request({ type: 'direct', to: 'ada2', data: 1 })).delivered, 1);
    const m = await c.next((x) => x.type === 'direct');
    assert.equal(m.from, 'wim');
    await closeAll([c, watcher]);
  });

  test('expiry on an open connection: told without id, rights and subscriptions gone, may re-auth', async () => {
    const exp = nowS() + 2;
    const c = await authed(d, jwt(SECRET, { sub: 'eve', roles: ['publisher'], exp }));
    const pub = await authed(d, tok('paul', ['publisher']));
    await c.request({ type: 'subscribe', channel: 'news' });
    const e = await c.next((m) => m.type === 'error', 5000, 'the expiry error');
    assert.equal(e.code, 'unauthorized');
    assert.equal(e.id, undefined, 'no id');
    assert.ok(Date.now() >= exp * 1000, 'not before exp');
    assert.ok(c.isOpen, 'the connection stays open');
    assert.equal((await c.request({ type: 'publish', channel: 'news', data: 1 })).code, 'unauthorized');
    await pub.request({ type: 'publish', channel: 'news', data: 'after' });
    await c.barrier();
    assert.equal(c.take((m) => m.type === 'message').length, 0, 'subscriptions dropped');
    const r = await c.request({ type: 'auth', token: tok('eve', ['publisher']) });
    assert.equal(r.type, 'auth_ok');
    assert.equal((await c.request({ type: 'publish', channel: 'news', data: 2 })).type, 'published');
    await closeAll([c, pub]);
  });

  test('/api/* needs Bearer; /healthz, /metrics and static files are public', async () => {
    const before = await failures(d);
    const none = await httpGet(d.port, '/api/snapshot');
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer');
    assert.deepEqual(
      (({ type, code }) => ({ type, code }))(JSON.parse(none.text)),
      { type: 'error', code: 'unauthorized' },
    );
    const bad = await httpGet(d.port, '/api/history?metric=cpu.usage&seconds=60', {
      headers: { Authorization: `Bearer ${jwt(SECRET, { sub: 'x' })}` },
    });
    assert.equal(bad.status, 401);
    assert.equal(JSON.parse(bad.text).code, 'unauthorized');
    const ok = await httpGet(d.port, '/api/snapshot', { headers: { Authorization: `Bearer ${tok('api')}` } });
    assert.equal(ok.status, 200);
    assert.equal(JSON.parse(ok.text).type, 'snapshot');
    const hist = await httpGet(d.port, '/api/history?metric=cpu.usage&seconds=60', {
      headers: { Authorization: `Bearer ${tok('api')}` },
    });
    assert.equal(hist.status, 200);
    assert.equal((await httpGet(d.port, '/healthz')).status, 200);
    assert.equal((await httpGet(d.port, '/metrics')).status, 200);
    const idx = await httpGet(d.port, '/');
    assert.ok([200, 404].includes(idx.status) && idx.status !== 401, `static: ${idx.status}`);
    assert.ok((await failures(d)) >= before + 2);
  });
});

describe('auth: the access line of a closed WebSocket names its user', () => {
  for (const format of ['text', 'json']) {
    test(`--log-format ${format}: user on the line of a signed-in connection, none on an anonymous one`, async (t) => {
      const d = await withPulse(t, ['--auth-secret-file', secretFile(SECRET), '--log-level', 'info', '--log-format', format]);
      const up = await Client.connect(`${d.wsUrl}?token=${encodeURIComponent(tok('uma'))}`);
      const late = await authed(d, tok('lou'));
      const anon = await Client.connect(d.wsUrl);
      await closeAll([up, late, anon]);
      const lines = () => d.stderr.split('\n').filter((l) => /ws_closed/.test(l));
      await waitFor(() => lines().length >= 3, { timeoutMs: 5000, what: 'three ws_closed lines' });
      if (format === 'json') {
        const recs = lines().map((l) => JSON.parse(l));
        assert.deepEqual(recs.map((r) => r.user ?? null).sort(), ['lou', 'uma', null].sort());
        for (const r of recs) {
          assert.equal(r.event, 'ws_closed');
          assert.equal(r.close_code, 1000);
          for (const k of ['remote', 'duration_ms', 'msgs_in', 'msgs_out', 'bytes_in', 'bytes_out']) assert.ok(k in r, k);
        }
      } else {
        const users = lines().map((l) => (/ user=(\S+)/.exec(l) || [])[1] ?? null);
        assert.deepEqual(users.sort(), ['lou', 'uma', null].sort(), lines().join('\n'));
        for (const l of lines()) assert.match(l, / remote=\S+ .*duration_ms=\d+ msgs_in=\d+ msgs_out=\d+ bytes_in=\d+ bytes_out=\d+ close_code=1000/);
      }
    });
  }
});

describe('auth: SIGHUP rotates the secret', () => {
  test('new tokens need the new secret; authenticated connections keep their rights', async (t) => {
    const NEW = crypto.randomBytes(24).toString('hex');
    const file = secretFile(SECRET);
    const d = await withPulse(t, ['--auth-secret-file', file]);
    const old = await authed(d, tok('olaf', ['publisher']));
    await old.request({ type: 'subscribe', channel: 'r' });
    fs.writeFileSync(file, NEW + '\n');
    process.kill(d.pid, 'SIGHUP');
    const probe = await Client.connect(d.wsUrl);
    await waitFor(
      async () => (await probe.request({ type: 'auth', token: jwt(NEW, { sub: 'n', exp: nowS() + 60 }) })).type === 'auth_ok',
      { what: 'a token signed with the new secret to be accepted' },
    );
    assert.equal((await probe.request({ type: 'auth', token: tok('olaf2') })).code, 'unauthorized', 'old secret refused');
    assert.equal((await old.request({ type: 'publish', channel: 'r', data: 'still' })).type, 'published');
    await old.next((m) => m.type === 'message' && m.data === 'still');
    // A bad file on SIGHUP keeps the current secret, and the daemon runs on.
    fs.writeFileSync(file, 'short');
    process.kill(d.pid, 'SIGHUP');
    await sleep(300);
    assert.ok(d.running);
    assert.equal((await probe.request({ type: 'auth', token: jwt(NEW, { sub: 'n', exp: nowS() + 60 }) })).type, 'auth_ok');
    await closeAll([old, probe]);
  });
});
