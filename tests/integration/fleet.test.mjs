// Cluster mode (SPEC sections 6 and 7) with a real redis-server and two or three daemons:
// cross-node publish and direct, no duplicates, remote metrics by host, stats.nodes, insights,
// fleet history of a stopped node, presence expiry after a kill, Redis lost and back, a
// password-protected Redis, and bad URLs at start.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, runPulse, sleep, startPulse, waitFor, withPulse } from './lib.mjs';
import { Redis } from './redis.mjs';

const INTERVAL = ['--interval-ms', '200'];
const wsUrl = (d) => `ws://127.0.0.1:${d.port}/ws`;
const httpUrl = (d, p) => `http://127.0.0.1:${d.port}${p}`;

async function node(t, redis, name, extra = []) {
  return withPulse(t, ['--redis', redis.url ?? redis, '--node-name', name, ...INTERVAL, ...extra]);
}

async function connect(t, d) {
  const c = await Client.connect(wsUrl(d));
  t.after(() => c.terminate());
  return c;
}

/** Waits until `d`'s stats list every name in `names` and say Redis is connected. */
async function waitNodes(d, names, timeoutMs = 8000) {
  const c = await Client.connect(wsUrl(d));
  try {
    return await waitFor(async () => {
      const s = await c.request({ type: 'stats' });
      const seen = (s.nodes ?? []).map((n) => n.name);
      return s.redis?.connected && names.every((n) => seen.includes(n)) ? s : null;
    }, { timeoutMs, intervalMs: 100, what: `nodes ${names}` });
  } finally {
    c.terminate();
  }
}

async function redisFor(t, opts) {
  const r = await Redis.start(opts);
  t.after(() => r.stop());
  return r;
}

test('publish reaches subscribers on every node exactly once; ids carry the node name', async (t) => {
  const redis = await redisFor(t);
  const [a, b, c] = [await node(t, redis, 'a'), await node(t, redis, 'b'), await node(t, redis, 'c')];
  await waitNodes(a, ['a', 'b', 'c']);
  await waitNodes(c, ['a', 'b', 'c']);
  const pub = await connect(t, a);
  const subs = [await connect(t, a), await connect(t, b), await connect(t, b), await connect(t, c)];
  assert.match(pub.id, /^a:/);
  assert.match(subs[1].id, /^b:/);
  assert.notEqual(subs[1].id, subs[2].id);
  for (const s of [pub, ...subs]) await s.request({ type: 'subscribe', channel: 'chat' });
  for (let i = 0; i < 20; i++) {
    const r = await pub.request({ type: 'publish', channel: 'chat', data: { i } });
    assert.equal(r.type, 'published');
  }
  for (const s of [pub, ...subs]) {
    await waitFor(() => s.all.filter((m) => m.type === 'message').length >= 20, { what: 'messages' });
  }
  await sleep(500); // a duplicate would arrive in this time
  for (const s of [pub, ...subs]) {
    const got = s.all.filter((m) => m.type === 'message').map((m) => m.data.i);
    assert.deepEqual(got, [...Array(20).keys()], 'every message once, in order');
    assert.ok(s.all.filter((m) => m.type === 'message').every((m) => m.from === pub.id && m.channel === 'chat'));
  }
});

test('direct by connection id reaches another node; not_found only when nobody has it', async (t) => {
  const redis = await redisFor(t);
  const [a, b] = [await node(t, redis, 'a'), await node(t, redis, 'b')];
  await waitNodes(a, ['a', 'b']);
  const x = await connect(t, a);
  const y = await connect(t, b);
  const x2 = await connect(t, a);
  await sleep(300); // presence written
  let r = await x.request({ type: 'direct', to: y.id, data: 'hi' });
  assert.deepEqual({ type: r.type, to: r.to, delivered: r.delivered, nodes: r.nodes },
    { type: 'sent', to: y.id, delivered: 0, nodes: 1 });
  const d = await y.next((m) => m.type === 'direct');
  assert.equal(d.from, x.id);
  assert.equal(d.data, 'hi');
  r = await x.request({ type: 'direct', to: x2.id, data: 'local' });
  assert.equal(r.delivered, 1);
  assert.equal(r.nodes, 0);
  r = await y.request({ type: 'direct', to: 'b:c999999', data: 1 });
  assert.equal(r.code, 'not_found');
  r = await y.request({ type: 'direct', to: 'zz:nobody', data: 1 });
  assert.equal(r.code, 'not_found');
  await sleep(300);
  assert.equal(y.all.filter((m) => m.type === 'direct').length, 1, 'no duplicate direct');
  // A connection that closed is not found any more.
  await x2.close();
  await sleep(300);
  r = await y.request({ type: 'direct', to: x2.id, data: 1 });
  assert.equal(r.code, 'not_found');
});

/** An HS256 token signed with Node's crypto (the daemons share `secret`). */
function token(secret, sub, roles) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const signing = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, roles, iat: now, exp: now + 600 })}`;
  return `${signing}.${crypto.createHmac('sha256', secret).update(signing).digest('base64url')}`;
}

test('direct to a user signed in on other nodes reaches each of its connections once', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pulse-fleet-auth-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const secret = 'f'.repeat(40);
  const file = path.join(dir, 'secret');
  fs.writeFileSync(file, secret, { mode: 0o600 });
  const redis = await redisFor(t);
  const auth = ['--auth-secret-file', file];
  const [a, b, c] = [await node(t, redis, 'a', auth), await node(t, redis, 'b', auth),
    await node(t, redis, 'c', auth)];
  const admin = token(secret, 'ops', ['admin']);
  for (const d of [a, b, c]) {
    const w = await Client.connect(wsUrl(d));
    assert.equal((await w.request({ type: 'auth', token: admin })).type, 'auth_ok');
    await waitFor(async () => {
      const s = await w.request({ type: 'stats' });
      return (s.nodes ?? []).length === 3 && s.redis?.connected;
    }, { timeoutMs: 8000, intervalMs: 100, what: 'three nodes' });
    w.terminate();
  }
  const sender = await connect(t, a);
  assert.equal((await sender.request({ type: 'auth', token: token(secret, 'bob', []) })).type, 'auth_ok');
  // alice signs in with the auth message (not on the upgrade) on b twice and on c once.
  const alice = [await connect(t, b), await connect(t, b), await connect(t, c)];
  for (const x of alice) {
    assert.equal((await x.request({ type: 'auth', token: token(secret, 'alice', []) })).type, 'auth_ok');
  }
  // Presence is written at sign-in, well before the periodic refresh (3 s).
  await sleep(300);
  const r = await sender.request({ type: 'direct', to: 'alice', data: 'hello' });
  assert.deepEqual({ type: r.type, delivered: r.delivered, nodes: r.nodes },
    { type: 'sent', delivered: 0, nodes: 2 });
  for (const x of alice) {
    const m = await x.next((f) => f.type === 'direct');
    assert.equal(m.from, 'bob');
    assert.equal(m.data, 'hello');
  }
  await sleep(300); // a duplicate would arrive in this time
  for (const x of alice) assert.equal(x.all.filter((f) => f.type === 'direct').length, 1);
  const none = await sender.request({ type: 'direct', to: 'carol', data: 1 });
  assert.equal(none.code, 'not_found');
});

test('remote metrics by host, group channels, plain metrics stays local, stats.nodes', async (t) => {
  const redis = await redisFor(t);
  const [a, b] = [await node(t, redis, 'a'), await node(t, redis, 'b')];
  const stats = await waitNodes(a, ['a', 'b']);
  for (const n of stats.nodes) assert.equal(typeof n.last_seen, 'number');
  assert.ok(Math.abs(stats.nodes.find((n) => n.name === 'b').last_seen - Date.now()) < 10000);
  const c = await connect(t, a);
  let r = await c.request({ type: 'subscribe', channel: 'metrics', host: 'b' });
  assert.deepEqual([r.type, r.channel, r.host], ['subscribed', 'metrics', 'b']);
  const remote = await c.next((m) => m.type === 'metrics' && m.host === 'b', 3000);
  assert.ok(remote.cpu && remote.memory && remote.network);
  await c.request({ type: 'subscribe', channel: 'metrics.cpu' });
  const local = await c.next((m) => m.type === 'metrics' && m.host === 'a', 3000);
  assert.ok(local.cpu && !local.memory, 'plain metrics.cpu: the local node, cpu only');
  await c.request({ type: 'unsubscribe', channel: 'metrics', host: 'b' });
  await c.request({ type: 'subscribe', channel: 'metrics.memory', host: 'b' });
  await c.barrier();
  c.take();
  const f = await c.next((m) => m.type === 'metrics' && m.host === 'b', 3000);
  assert.ok(f.memory && !f.cpu, 'metrics.memory of b holds memory only');
  r = await c.request({ type: 'subscribe', channel: 'chat', host: 'b' });
  assert.equal(r.code, 'bad_request');
  r = await c.request({ type: 'subscribe', channel: 'metrics', host: 'bad name' });
  assert.equal(r.code, 'bad_request');
});

test('insights of every node reach every node', async (t) => {
  const redis = await redisFor(t);
  const a = await node(t, redis, 'a');
  await node(t, redis, 'b', ['--alert-memory-percent', '1', '--alert-hold-s', '1']);
  await waitNodes(a, ['a', 'b']);
  const c = await connect(t, a);
  await c.request({ type: 'subscribe', channel: 'insights' });
  const i = await c.next((m) => m.type === 'insight' && m.host === 'b', 8000, 'an insight of b');
  assert.equal(typeof i.metric, 'string');
  assert.ok(['info', 'warning', 'critical'].includes(i.level));
});

test('fleet history of a stopped node, from a running node and from one started later', async (t) => {
  const redis = await redisFor(t);
  const a = await node(t, redis, 'a');
  const c = await startPulse(['--redis', redis.url, '--node-name', 'c', ...INTERVAL]);
  await waitNodes(a, ['a', 'c']);
  await sleep(1500);
  await c.stop('SIGTERM', 3000);
  const viaA = await connect(t, a);
  const h = await viaA.request({ type: 'history', metric: 'memory.used', seconds: 60, host: 'c' });
  assert.equal(h.type, 'history');
  assert.equal(h.host, 'c');
  assert.ok(h.points.length >= 3, `points of c: ${h.points.length}`);
  const d = await node(t, redis, 'd');
  await waitNodes(d, ['c']);
  const body = await waitFor(async () => {
    const res = await fetch(httpUrl(d, '/api/history?metric=memory.used&seconds=60&host=c'));
    const j = await res.json();
    return res.status === 200 && j.points?.length >= 3 ? j : null;
  }, { what: 'history of c from d' });
  assert.equal(body.metric, 'memory.used');
  const miss = await viaA.request({ type: 'history', metric: 'cpu.usage', seconds: 60, host: 'nobody' });
  assert.equal(miss.code, 'not_found');
  const bad = await viaA.request({ type: 'history', metric: 'nope', seconds: 60, host: 'c' });
  assert.equal(bad.code, 'unknown_metric');
});

test('presence expires after a node is killed: direct becomes not_found', async (t) => {
  const redis = await redisFor(t);
  const a = await node(t, redis, 'a');
  const b = await startPulse(['--redis', redis.url, '--node-name', 'b', ...INTERVAL]);
  await waitNodes(a, ['a', 'b']);
  const x = await connect(t, a);
  const y = await Client.connect(wsUrl(b));
  await sleep(300);
  const r = await x.request({ type: 'direct', to: y.id, data: 1 });
  assert.equal(r.nodes, 1);
  b.kill('SIGKILL');
  await b.exited;
  const gone = await waitFor(async () => {
    const m = await x.request({ type: 'direct', to: y.id, data: 2 });
    return m.code === 'not_found' ? m : null;
  }, { timeoutMs: 15000, intervalMs: 500, what: 'not_found after the kill' });
  assert.equal(gone.type, 'error');
});

async function crossNodeWorks(pub, sub, tag) {
  await pub.request({ type: 'publish', channel: 'chat', data: tag });
  await sub.next((m) => m.type === 'message' && m.data === tag, 400);
  return true;
}

test('Redis killed and restarted: local service goes on, cross-node traffic resumes within 10 s', async (t) => {
  const redis = await redisFor(t);
  const [a, b] = [await node(t, redis, 'a'), await node(t, redis, 'b')];
  await waitNodes(a, ['a', 'b']);
  const pub = await connect(t, a);
  const localSub = await connect(t, a);
  const remoteSub = await connect(t, b);
  for (const s of [localSub, remoteSub]) await s.request({ type: 'subscribe', channel: 'chat' });
  await crossNodeWorks(pub, remoteSub, 'before');
  await redis.kill();
  await waitFor(async () => !(await pub.request({ type: 'stats' })).redis.connected, { what: 'disconnected' });
  const prom = await (await fetch(httpUrl(a, '/metrics'))).text();
  assert.match(prom, /^pulse_redis_connected 0$/m);
  // Local clients are served as before.
  await pub.request({ type: 'publish', channel: 'chat', data: 'during' });
  await localSub.next((m) => m.type === 'message' && m.data === 'during', 1000);
  const snap = await pub.request({ type: 'snapshot' });
  assert.equal(snap.type, 'snapshot');
  await redis.spawn();
  const back = Date.now();
  let n = 0;
  await waitFor(() => crossNodeWorks(pub, remoteSub, `after${n++}`), { timeoutMs: 10000, intervalMs: 100, what: 'cross-node publish after Redis came back' });
  assert.ok(Date.now() - back < 10000);
  assert.ok(pub.isOpen && localSub.isOpen && remoteSub.isOpen, 'clients stayed connected');
  const prom2 = await (await fetch(httpUrl(a, '/metrics'))).text();
  assert.match(prom2, /^pulse_redis_connected 1$/m);
  assert.match(prom2, /^pulse_redis_messages_forwarded_total [1-9]/m);
  assert.match(prom2, /^pulse_redis_messages_received_total [1-9]/m);
  assert.equal((a.stderr.match(/redis: connection lost/g) ?? []).length, 1, 'logged once');
});

test('a password-protected Redis (ACL user), and a wrong password', async (t) => {
  const redis = await redisFor(t, { args: ['--requirepass', 'topsecret', '--user', 'fleet', 'on', '>s3cret', '~*', '&*', '+@all'] });
  const url = (cred) => `redis://${cred}@127.0.0.1:${redis.port}`;
  const a = await node(t, url('fleet:s3cret'), 'a');
  const b = await node(t, url(':topsecret'), 'b');
  await waitNodes(a, ['a', 'b']);
  const pub = await connect(t, a);
  const sub = await connect(t, b);
  await sub.request({ type: 'subscribe', channel: 'chat' });
  await waitFor(() => crossNodeWorks(pub, sub, 'x'), { what: 'publish through an ACL user' });
  const bad = await node(t, url('fleet:wrong'), 'c');
  const c = await connect(t, bad);
  await sleep(1000);
  const s = await c.request({ type: 'stats' });
  assert.equal(s.redis.connected, false);
  assert.match(bad.stderr, /redis: cannot connect/);
  assert.doesNotMatch(bad.stderr, /wrong/, 'the password is never logged');
  assert.equal((await c.request({ type: 'ping' })).type, 'pong');
});

test('bad --redis URLs exit 2 with one line; an unreachable Redis still serves', async (t) => {
  for (const u of ['http://x', 'redis://', 'redis://h:99999', 'redis://h/x', 'unix://rel']) {
    const r = await runPulse(['--port', '0', '--db', ':memory:', '--redis', u]);
    assert.equal(r.code, 2, `${u}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
  const r = await runPulse(['--port', '0', '--db', ':memory:', '--redis', 'redis://127.0.0.1:1', '--node-name', 'a b']);
  assert.equal(r.code, 2);
  const down = await node(t, 'redis://127.0.0.1:1', 'lonely');
  const c = await connect(t, down);
  await c.request({ type: 'subscribe', channel: 'chat' });
  await c.request({ type: 'publish', channel: 'chat', data: 1 });
  await c.next((m) => m.type === 'message');
  const s = await c.request({ type: 'stats' });
  assert.equal(s.redis.connected, false);
  assert.deepEqual(s.nodes.map((n) => n.name), ['lonely']);
  await sleep(1500);
  assert.equal((down.stderr.match(/redis: cannot connect/g) ?? []).length, 1, 'logged once');
});
