// WebSocket protocol v1 in open mode (SPEC §4, §5, §7).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startPulse,
  withPulse,
  runPulse,
  Client,
  RawClient,
  OP,
  buildFrame,
  waitFor,
  withTimeout,
  sleep,
  RESERVED_CLOSE_CODES,
} from './lib.mjs';

let d; // shared daemon for tests that do not depend on global counters
before(async () => {
  d = await startPulse([]);
});
after(async () => {
  await d?.stop('SIGTERM');
});

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const isCount = (v) => Number.isInteger(v) && v >= 0;

function assertTs(ts, what = 'ts') {
  assert.ok(isNum(ts), `${what} is a number, got ${JSON.stringify(ts)}`);
  // milliseconds since the epoch (not seconds): within a day of our clock
  assert.ok(Math.abs(ts - Date.now()) < 86_400_000, `${what} ${ts} is ms since the epoch`);
}

function assertError(m, code, id) {
  assert.equal(m.type, 'error', `expected an error, got ${JSON.stringify(m)}`);
  assert.equal(m.code, code, `error code for ${JSON.stringify(m)}`);
  assert.equal(typeof m.message, 'string', 'error.message is a string');
  assert.ok(m.message.length > 0, 'error.message is not empty');
  if (id !== undefined) assert.deepEqual(m.id, id, 'error carries the request id');
}

async function assertStillWorks(c) {
  assert.ok(c.isOpen, `connection still open (close: ${JSON.stringify(c.closeInfo)})`);
  const p = await c.request({ type: 'ping' });
  assert.equal(p.type, 'pong');
}

describe('welcome', () => {
  test('welcome frame has protocol 1, server pulse/VERSION, connection_id, heartbeat_ms, auth_required false', async () => {
    const v = await runPulse(['--version']);
    const version = v.stdout.trim().replace(/^pulse /, '');
    const c = await Client.connect(d.wsUrl);
    const w = c.welcome;
    assert.equal(w.type, 'welcome');
    assert.equal(w.protocol, 1);
    assert.equal(w.server, `pulse/${version}`);
    assert.equal(typeof w.connection_id, 'string');
    assert.ok(w.connection_id.length > 0);
    assert.equal(w.heartbeat_ms, 25000, 'default heartbeat 25000 ms');
    assert.equal(w.auth_required, false);
    assert.equal(c.all[0].type, 'welcome', 'welcome is the first frame');
    await c.close();
  });

  test('connection ids are unique', async () => {
    const cs = await Promise.all(Array.from({ length: 5 }, () => Client.connect(d.wsUrl)));
    const ids = new Set(cs.map((c) => c.id));
    assert.equal(ids.size, 5);
    await Promise.all(cs.map((c) => c.close()));
  });

  test('welcome.heartbeat_ms reflects --heartbeat-ms', async (t) => {
    const d2 = await withPulse(t, ['--heartbeat-ms', '1000']);
    const c = await Client.connect(d2.wsUrl);
    assert.equal(c.welcome.heartbeat_ms, 1000);
    await c.close();
  });
});

describe('ping / pong', () => {
  let c;
  before(async () => {
    c = await Client.connect(d.wsUrl);
  });
  after(() => c?.close());

  test('ping without ts: pong has server_ts and no ts', async () => {
    const before = Date.now();
    c.send({ type: 'ping' });
    const p = await c.next((m) => m.type === 'pong');
    assert.equal(p.type, 'pong');
    assert.ok(!('ts' in p), `no ts when the ping had none: ${JSON.stringify(p)}`);
    assertTs(p.server_ts, 'server_ts');
    assert.ok(p.server_ts >= before - 5000 && p.server_ts <= Date.now() + 5000, 'server_ts is now');
    assert.ok(!('id' in p), 'no id when the ping had none');
  });

  for (const [name, ts] of [
    ['integer', 1700000000123],
    ['float', 12.5],
    ['zero', 0],
    ['negative', -7],
    ['string', 'abc'],
    ['empty string', ''],
    ['object', { a: [1, 2, { b: null }], s: 'x' }],
    ['array', [1, 'two', 3]],
    ['boolean', true],
    ['null', null],
  ]) {
    test(`ping ts echoed as given: ${name}`, async () => {
      const p = await c.request({ type: 'ping', ts });
      assert.equal(p.type, 'pong');
      assert.ok('ts' in p, `pong has ts: ${JSON.stringify(p)}`);
      assert.deepEqual(p.ts, ts);
      assertTs(p.server_ts, 'server_ts');
    });
  }

  test('ping ts: an integer beyond 64 bits is still valid JSON and is echoed (numerically)', async () => {
    c.send('{"type":"ping","id":"bigts","ts":12345678901234567890}');
    const p = await c.next((m) => m.id === 'bigts' || m.type === 'error');
    assert.equal(p.type, 'pong', JSON.stringify(p));
    assert.equal(p.ts, 12345678901234567890);
  });

  test('id echoed: string', async () => {
    c.send({ type: 'ping', id: 'abc-1' });
    const p = await c.next((m) => m.type === 'pong');
    assert.equal(p.id, 'abc-1');
  });

  test('id echoed: number', async () => {
    c.send({ type: 'ping', id: 42 });
    const p = await c.next((m) => m.type === 'pong');
    assert.equal(p.id, 42);
  });

  test('id echoed: non-integer number', async () => {
    const p = await c.request({ type: 'ping', id: 3.25 });
    assert.equal(p.id, 3.25);
  });

  test('unknown fields are ignored', async () => {
    const p = await c.request({ type: 'ping', ts: 5, foo: 'bar', nested: { x: 1 } });
    assert.equal(p.type, 'pong');
    assert.equal(p.ts, 5);
  });

  test('replies come in request order', async () => {
    for (let i = 0; i < 20; i++) c.send({ type: 'ping', id: `ord${i}` });
    for (let i = 0; i < 20; i++) {
      const p = await c.next((m) => m.type === 'pong');
      assert.equal(p.id, `ord${i}`);
    }
  });
});

describe('pub/sub', () => {
  test('subscribe / publish / message with from = connection id and ts; sender not subscribed gets no message', async () => {
    const a = await Client.connect(d.wsUrl);
    const b = await Client.connect(d.wsUrl);
    const s = await a.request({ type: 'subscribe', channel: 'room1', id: 's1' });
    assert.deepEqual({ type: s.type, channel: s.channel, id: s.id }, { type: 'subscribed', channel: 'room1', id: 's1' });

    const data = { text: 'hello', n: [1, 2, 3], nested: { ok: true } };
    const p = await b.request({ type: 'publish', channel: 'room1', data, id: 7 });
    assert.equal(p.type, 'published');
    assert.equal(p.channel, 'room1');
    assert.equal(p.id, 7);

    const m = await a.next((x) => x.type === 'message');
    assert.equal(m.channel, 'room1');
    assert.deepEqual(m.data, data);
    assert.equal(m.from, b.id, 'from is the publisher connection id');
    assertTs(m.ts);
    assert.ok(!('id' in m), 'the delivered message does not carry the publisher request id');

    await b.barrier();
    assert.deepEqual(b.take((x) => x.type === 'message'), [], 'a publisher that is not subscribed gets nothing');
    await a.close();
    await b.close();
  });

  test('publisher subscribed to the channel gets its own message too', async () => {
    const a = await Client.connect(d.wsUrl);
    await a.request({ type: 'subscribe', channel: 'self-room' });
    a.send({ type: 'publish', channel: 'self-room', data: 'me', id: 'p1' });
    const published = await a.next((x) => x.type === 'published');
    assert.equal(published.id, 'p1');
    const m = await a.next((x) => x.type === 'message');
    assert.deepEqual(
      { channel: m.channel, data: m.data, from: m.from },
      { channel: 'self-room', data: 'me', from: a.id },
    );
    await a.close();
  });

  test('data of any JSON type is delivered as given', async () => {
    const a = await Client.connect(d.wsUrl);
    const b = await Client.connect(d.wsUrl);
    await a.request({ type: 'subscribe', channel: 'types' });
    const values = [0, -1.5, 'str', '', null, true, false, [], {}, [1, [2, [3]]], { 'ünï': 'cødé ✓' }];
    for (const v of values) await b.request({ type: 'publish', channel: 'types', data: v });
    for (const v of values) {
      const m = await a.next((x) => x.type === 'message');
      assert.deepEqual(m.data, v);
    }
    await a.close();
    await b.close();
  });

  test('unsubscribe stops delivery; unsubscribing a channel one is not in answers unsubscribed', async () => {
    const a = await Client.connect(d.wsUrl);
    const b = await Client.connect(d.wsUrl);
    await a.request({ type: 'subscribe', channel: 'room2' });
    await b.request({ type: 'publish', channel: 'room2', data: 1 });
    assert.equal((await a.next((x) => x.type === 'message')).data, 1);

    const u = await a.request({ type: 'unsubscribe', channel: 'room2', id: 'u1' });
    assert.equal(u.type, 'unsubscribed');
    assert.equal(u.channel, 'room2');
    assert.equal(u.id, 'u1');

    await b.request({ type: 'publish', channel: 'room2', data: 2 });
    await a.barrier();
    assert.deepEqual(a.take((x) => x.type === 'message'), [], 'no frame of the channel after unsubscribed');

    const u2 = await a.request({ type: 'unsubscribe', channel: 'never-joined', id: 'u2' });
    assert.equal(u2.type, 'unsubscribed');
    assert.equal(u2.channel, 'never-joined');
    const u3 = await a.request({ type: 'unsubscribe', channel: 'room2', id: 'u3' });
    assert.equal(u3.type, 'unsubscribed', 'unsubscribing twice is fine');
    await a.close();
    await b.close();
  });

  test('subscribing twice is idempotent: one copy of each message', async () => {
    const a = await Client.connect(d.wsUrl);
    assert.equal((await a.request({ type: 'subscribe', channel: 'twice' })).type, 'subscribed');
    assert.equal((await a.request({ type: 'subscribe', channel: 'twice' })).type, 'subscribed');
    await a.request({ type: 'publish', channel: 'twice', data: 'x' });
    await a.barrier();
    assert.equal(a.take((x) => x.type === 'message').length, 1);
    await a.close();
  });

  test('channel names: 1 and 64 characters and every allowed character class', async () => {
    const a = await Client.connect(d.wsUrl);
    for (const ch of ['x', 'a'.repeat(64), 'AZaz09_.:-', 'room:42', 'a.b-c_d', 'metric', 'insight', 'xmetrics']) {
      const r = await a.request({ type: 'subscribe', channel: ch });
      assert.equal(r.type, 'subscribed', `subscribe ${ch}: ${JSON.stringify(r)}`);
      assert.equal(r.channel, ch);
      const p = await a.request({ type: 'publish', channel: ch, data: ch });
      assert.equal(p.type, 'published', `publish ${ch}: ${JSON.stringify(p)}`);
      const m = await a.next((x) => x.type === 'message' && x.channel === ch);
      assert.equal(m.data, ch);
    }
    await a.close();
  });

  test('messages are delivered only to the subscribers of that channel', async () => {
    const a = await Client.connect(d.wsUrl);
    const b = await Client.connect(d.wsUrl);
    const pub = await Client.connect(d.wsUrl);
    await a.request({ type: 'subscribe', channel: 'only-a' });
    await b.request({ type: 'subscribe', channel: 'only-b' });
    await pub.request({ type: 'publish', channel: 'only-a', data: 'A' });
    await a.next((x) => x.type === 'message' && x.data === 'A');
    await b.barrier();
    assert.deepEqual(b.take((x) => x.type === 'message'), []);
    await Promise.all([a.close(), b.close(), pub.close()]);
  });
});

describe('direct', () => {
  test('direct to a connection id: sent delivered 1, recipient gets {type:direct, from, data, ts}', async () => {
    const a = await Client.connect(d.wsUrl);
    const b = await Client.connect(d.wsUrl);
    const data = { hello: 'b', list: [1, 2] };
    const s = await a.request({ type: 'direct', to: b.id, data, id: 'd1' });
    assert.equal(s.type, 'sent');
    assert.equal(s.to, b.id);
    assert.equal(s.delivered, 1);
    assert.equal(s.id, 'd1');
    const m = await b.next((x) => x.type === 'direct');
    assert.equal(m.from, a.id);
    assert.deepEqual(m.data, data);
    assertTs(m.ts);
    await a.barrier();
    assert.deepEqual(a.take((x) => x.type === 'direct'), [], 'sender does not get its own direct');
    await a.close();
    await b.close();
  });

  test('direct to an unknown id → not_found with the request id', async () => {
    const a = await Client.connect(d.wsUrl);
    const e = await a.request({ type: 'direct', to: 'no-such-connection', data: 1, id: 'nf' });
    assertError(e, 'not_found', 'nf');
    await assertStillWorks(a);
    await a.close();
  });

  test('direct to a connection that has closed → not_found', async () => {
    const a = await Client.connect(d.wsUrl);
    const b = await Client.connect(d.wsUrl);
    const gone = b.id;
    await b.close();
    await waitFor(
      async () => {
        const r = await a.request({ type: 'direct', to: gone, data: 1 });
        return r.type === 'error' && r.code === 'not_found';
      },
      { timeoutMs: 3000, what: 'not_found for a closed connection' },
    );
    await a.close();
  });

  test('direct with missing or ill-typed "to" → bad_request', async () => {
    const a = await Client.connect(d.wsUrl);
    assertError(await a.request({ type: 'direct', data: 1, id: 'm1' }), 'bad_request', 'm1');
    assertError(await a.request({ type: 'direct', to: 5, data: 1, id: 'm2' }), 'bad_request', 'm2');
    assertError(await a.request({ type: 'direct', to: ['x'], data: 1, id: 'm3' }), 'bad_request', 'm3');
    await assertStillWorks(a);
    await a.close();
  });
});

describe('stats', () => {
  test('stats: connections, subscriptions (only channels with ≥1 subscriber), counters, uptime_s', async (t) => {
    const d2 = await withPulse(t, []);
    const a = await Client.connect(d2.wsUrl);
    const b = await Client.connect(d2.wsUrl);
    const c = await Client.connect(d2.wsUrl);

    let s = await a.request({ type: 'stats', id: 'st0' });
    assert.equal(s.type, 'stats');
    assert.equal(s.id, 'st0');
    assert.equal(s.connections, 3);
    assert.deepEqual(s.subscriptions, {});
    for (const k of ['messages_in', 'messages_out', 'dropped']) assert.ok(isCount(s[k]), `${k} is a count: ${s[k]}`);
    assert.ok(isNum(s.uptime_s) && s.uptime_s >= 0, `uptime_s: ${s.uptime_s}`);
    assert.equal(s.dropped, 0, 'nothing dropped yet');
    assert.ok(s.messages_in >= 1, 'messages_in counts at least this stats request');

    await a.request({ type: 'subscribe', channel: 'alpha' });
    await b.request({ type: 'subscribe', channel: 'alpha' });
    await a.request({ type: 'subscribe', channel: 'beta' });
    await c.request({ type: 'subscribe', channel: 'gamma' });
    await a.request({ type: 'unsubscribe', channel: 'beta' });
    await c.request({ type: 'unsubscribe', channel: 'nothing-here' });
    await b.request({ type: 'publish', channel: 'alpha', data: 1 });

    const s1 = await c.request({ type: 'stats' });
    assert.equal(s1.connections, 3);
    assert.deepEqual(s1.subscriptions, { alpha: 2, gamma: 1 });
    assert.ok(s1.messages_in >= s.messages_in + 7, `messages_in grows: ${s.messages_in} → ${s1.messages_in}`);
    assert.ok(s1.messages_out >= s.messages_out + 7 + 2, `messages_out grows: ${s.messages_out} → ${s1.messages_out}`);
    assert.ok(s1.uptime_s >= s.uptime_s);

    await c.close();
    await b.close();
    const s2 = await waitFor(
      async () => {
        const r = await a.request({ type: 'stats' });
        return r.connections === 1 ? r : null;
      },
      { timeoutMs: 3000, what: 'connections to drop to 1' },
    );
    assert.deepEqual(s2.subscriptions, { alpha: 1 }, 'closed connections leave their channels');
    await a.close();
  });

  test('stats.subscriptions includes metrics channels', async (t) => {
    const d2 = await withPulse(t, []);
    const a = await Client.connect(d2.wsUrl);
    const r = await a.request({ type: 'subscribe', channel: 'metrics.cpu' });
    assert.equal(r.type, 'subscribed');
    const s = await a.request({ type: 'stats' });
    assert.equal(s.subscriptions['metrics.cpu'], 1, JSON.stringify(s.subscriptions));
    await a.close();
  });
});

describe('errors', () => {
  // Own daemon with a high rate limit: these tests send many bad messages on one connection.
  let de;
  let c;
  let other;
  before(async () => {
    de = await startPulse(['--rate-limit', '100000', '--rate-burst', '100000']);
    c = await Client.connect(de.wsUrl);
    other = await Client.connect(de.wsUrl);
    await other.request({ type: 'subscribe', channel: 'bystander' });
  });
  after(async () => {
    await c?.close();
    await other?.close();
    await de?.stop('SIGTERM');
  });

  async function expectError(payload, code, id) {
    c.send(payload);
    const e = await c.next((m) => m.type === 'error' || m.type === 'pong' || m.id !== undefined, 3000, `error ${code}`);
    assertError(e, code, id);
    await assertStillWorks(c);
    return e;
  }

  test('bad_json: malformed JSON', async () => {
    await expectError('{"type":"ping",', 'bad_json');
    await expectError('not json at all', 'bad_json');
    await expectError('{"type":"ping"} trailing', 'bad_json');
    await expectError('', 'bad_json');
  });

  for (const [name, text] of [
    ['array', '[1,2,3]'],
    ['array holding an object', '[{"type":"ping"}]'],
    ['number', '42'],
    ['string', '"ping"'],
    ['null', 'null'],
    ['boolean', 'true'],
  ]) {
    test(`bad_request: valid JSON that is not an object (${name})`, async () => {
      await expectError(text, 'bad_request');
    });
  }

  test('bad_request: missing type / type of the wrong type', async () => {
    await expectError(JSON.stringify({ type: 5, id: 'bt1' }), 'bad_request', 'bt1');
    await expectError(JSON.stringify({ id: 'bt2' }), 'bad_request', 'bt2');
    await expectError(JSON.stringify({ type: null, id: 'bt3' }), 'bad_request', 'bt3');
    await expectError(JSON.stringify({ type: ['ping'], id: 'bt4' }), 'bad_request', 'bt4');
  });

  test('bad_request: missing channel / channel of the wrong type', async () => {
    for (const type of ['subscribe', 'unsubscribe', 'publish']) {
      await expectError(JSON.stringify({ type, id: `mc-${type}`, data: 1 }), 'bad_request', `mc-${type}`);
      for (const [i, ch] of [5, null, true, ['room'], { n: 'room' }].entries()) {
        await expectError(JSON.stringify({ type, channel: ch, data: 1, id: 1000 + i }), 'bad_request', 1000 + i);
      }
    }
  });

  test('bad_request: invalid channel names (empty, 65 chars, bad characters)', async () => {
    const bad = ['', 'a'.repeat(65), 'has space', 'slash/no', 'bang!', 'émoji', 'tab\t', 'new\nline', 'q?x', '#hash',
      'nul\u0000byte', 'room\u0000'];
    for (const type of ['subscribe', 'publish', 'unsubscribe']) {
      for (const [i, ch] of bad.entries()) {
        const id = `${type}-bad-${i}`;
        await expectError(JSON.stringify({ type, channel: ch, data: 1, id }), 'bad_request', id);
      }
    }
  });

  test('bad_request: id of the wrong type', async () => {
    for (const id of [true, null, { a: 1 }, [1]]) {
      c.send(JSON.stringify({ type: 'ping', id }));
      const e = await c.next((m) => m.type === 'error' || m.type === 'pong', 3000, `error for id ${JSON.stringify(id)}`);
      assertError(e, 'bad_request');
    }
    await assertStillWorks(c);
  });

  test('unknown_type', async () => {
    await expectError(JSON.stringify({ type: 'frobnicate', id: 'u1' }), 'unknown_type', 'u1');
    await expectError(JSON.stringify({ type: '', id: 'u2' }), 'unknown_type', 'u2');
    await expectError(JSON.stringify({ type: 'PING', id: 'u3' }), 'unknown_type', 'u3');
  });

  test('unknown_type: a NUL byte inside type does not make it a known type', async () => {
    await expectError(JSON.stringify({ type: 'ping\u0000x', id: 'un1' }), 'unknown_type', 'un1');
    await expectError(JSON.stringify({ type: 'ping\u0000', id: 'un2' }), 'unknown_type', 'un2');
    await expectError(JSON.stringify({ type: 'subscribe\u0000zzz', channel: 'room9', id: 'un3' }), 'unknown_type', 'un3');
    const st = await c.request({ type: 'stats' });
    assert.equal(st.subscriptions.room9, undefined, 'no subscription was made');
  });

  test('unknown_metric: a NUL byte inside the history metric', async () => {
    await expectError(JSON.stringify({ type: 'history', metric: 'cpu.usage\u0000junk', seconds: 2, id: 'hn1' }),
      'unknown_metric', 'hn1');
  });

  test('unknown_channel: subscribing to an unlisted reserved name', async () => {
    for (const [i, ch] of ['metrics.bogus', 'insightsX', 'metricsfoo', 'metrics.', 'insights.x', 'metrics.cpu.extra'].entries()) {
      await expectError(JSON.stringify({ type: 'subscribe', channel: ch, id: `uc${i}` }), 'unknown_channel', `uc${i}`);
    }
  });

  test('forbidden: publishing to reserved names', async () => {
    for (const [i, ch] of ['metrics', 'metrics.cpu', 'insights', 'metricsfoo', 'metrics.bogus', 'insightsX'].entries()) {
      await expectError(JSON.stringify({ type: 'publish', channel: ch, data: 1, id: `fb${i}` }), 'forbidden', `fb${i}`);
    }
  });

  test('not_found: direct to nobody', async () => {
    await expectError(JSON.stringify({ type: 'direct', to: 'nobody-here', data: {}, id: 'nf1' }), 'not_found', 'nf1');
  });

  test('not_found: direct to a real connection id followed by a NUL byte', async () => {
    const to = `${other.welcome.connection_id}\u0000zzz`;
    await expectError(JSON.stringify({ type: 'direct', to, data: {}, id: 'nf2' }), 'not_found', 'nf2');
  });

  test('unsupported: binary frame', async () => {
    c.sendBinary(Buffer.from([1, 2, 3, 4]));
    const e = await c.next((m) => m.type === 'error', 3000, 'unsupported');
    assertError(e, 'unsupported');
    await assertStillWorks(c);
    c.sendBinary(Buffer.from(JSON.stringify({ type: 'ping', id: 'bin' })));
    assertError(await c.next((m) => m.type === 'error' || m.type === 'pong'), 'unsupported');
    await assertStillWorks(c);
  });

  test('auth in open mode → bad_request', async () => {
    await expectError(JSON.stringify({ type: 'auth', token: 'abc.def.ghi', id: 'au' }), 'bad_request', 'au');
  });

  test('unknown_metric: history of an unknown metric', async () => {
    await expectError(JSON.stringify({ type: 'history', metric: 'no.such.metric', seconds: 60, id: 'um' }), 'unknown_metric', 'um');
  });

  test('errors never close the connection nor affect other clients', async () => {
    assert.ok(c.isOpen);
    assert.ok(other.isOpen, 'bystander still open');
    const p = await other.request({ type: 'ping', ts: 1 });
    assert.equal(p.type, 'pong');
    assert.deepEqual(
      other.queue.filter((m) => m.type === 'error'),
      [],
      'bystander received no errors',
    );
    const pub = await c.request({ type: 'publish', channel: 'bystander', data: 'still here' });
    assert.equal(pub.type, 'published');
    const m = await other.next((x) => x.type === 'message');
    assert.equal(m.data, 'still here');
  });
});

describe('rate limiting', () => {
  // Sends `n` pings with ids 1..n in ONE TCP write (so no tokens refill in between) on a raw
  // connection and collects the replies.
  async function burst(port, n, extra = 0) {
    const r = await RawClient.open(port);
    const frames = [];
    for (let i = 1; i <= n; i++) frames.push(buildFrame({ opcode: OP.TEXT, payload: { type: 'ping', id: i } }));
    r.write(Buffer.concat(frames));
    const replies = [];
    for (let i = 0; i < n - extra; i++) replies.push(await r.nextJson((m) => m.type === 'pong' || m.type === 'error', 5000));
    return { r, replies };
  }

  test('default burst 100: the 101st message of a burst is answered rate_limited, connection stays open', async (t) => {
    const d2 = await withPulse(t, []);
    const { r, replies } = await burst(d2.port, 101);
    const pongs = replies.filter((m) => m.type === 'pong');
    assert.equal(pongs.length, 100, `100 pongs, got ${pongs.length}`);
    assert.deepEqual(
      replies.slice(0, 100).map((m) => m.id),
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
    assertError(replies[100], 'rate_limited', 101);
    // Tokens refill (50/s): the connection is still usable after a short while.
    await sleep(100);
    const p = await r.request({ type: 'ping', id: 'after' });
    assert.equal(p.type, 'pong');
    assert.equal(r.ended, false);
    r.destroy();
  });

  test('--rate-burst 5 --rate-limit 1: 6th message is rate_limited; others are not affected', async (t) => {
    const d2 = await withPulse(t, ['--rate-burst', '5', '--rate-limit', '1']);
    const bystander = await Client.connect(d2.wsUrl);
    const { r, replies } = await burst(d2.port, 6);
    assert.deepEqual(
      replies.map((m) => m.type),
      ['pong', 'pong', 'pong', 'pong', 'pong', 'error'],
    );
    assertError(replies[5], 'rate_limited', 6);
    // a fresh connection has a full bucket of its own
    const p = await bystander.request({ type: 'ping' });
    assert.equal(p.type, 'pong');
    // the limited connection recovers after a token refills (1/s)
    await sleep(1200);
    assert.equal((await r.request({ type: 'ping', id: 'later' })).type, 'pong');
    r.destroy();
    await bystander.close();
  });

  test('rate_limited errors carry the request id (publish/subscribe too)', async (t) => {
    const d2 = await withPulse(t, ['--rate-burst', '1', '--rate-limit', '1']);
    const r = await RawClient.open(d2.port);
    r.write(
      Buffer.concat([
        buildFrame({ payload: { type: 'ping', id: 'ok' } }),
        buildFrame({ payload: { type: 'subscribe', channel: 'x', id: 'rl-sub' } }),
        buildFrame({ payload: { type: 'publish', channel: 'x', data: 1, id: 'rl-pub' } }),
      ]),
    );
    assert.equal((await r.nextJson((m) => m.id === 'ok')).type, 'pong');
    assertError(await r.nextJson((m) => m.id === 'rl-sub'), 'rate_limited', 'rl-sub');
    assertError(await r.nextJson((m) => m.id === 'rl-pub'), 'rate_limited', 'rl-pub');
    r.destroy();
  });

  test('500 rejections within 10 s: the 500th is answered, then close 1008; others unaffected', async (t) => {
    const d2 = await withPulse(t, ['--rate-burst', '1', '--rate-limit', '1']);
    const bystander = await Client.connect(d2.wsUrl);
    const r = await RawClient.open(d2.port);
    const N = 520;
    const frames = [];
    for (let i = 1; i <= N; i++) frames.push(buildFrame({ payload: { type: 'ping', id: i } }));
    r.write(Buffer.concat(frames));
    const close = await r.expectClose(10000);
    assert.ok(close.closeFrame, 'a close frame was sent');
    assert.equal(close.code, 1008);
    assert.ok(close.tcpClosed, 'TCP closed after the close frame');
    const data = close.framesBefore.filter((f) => f.opcode === OP.TEXT).map((f) => JSON.parse(f.text));
    const replies = data.filter((m) => m.type !== 'welcome');
    const limited = replies.filter((m) => m.type === 'error' && m.code === 'rate_limited');
    assert.equal(limited.length, 500, `exactly 500 rate_limited answers before the close, got ${limited.length}`);
    assert.deepEqual(replies.at(-1), limited.at(-1), 'the 500th rejection is the last frame before the close');
    const pongs = replies.filter((m) => m.type === 'pong');
    assert.ok(pongs.length >= 1, 'the first message was served');
    assert.equal(pongs.length + limited.length, replies.length, 'only pongs and rate_limited errors');
    // no frame at all after the close frame
    const afterClose = r.allFrames.slice(r.allFrames.findIndex((f) => f.opcode === OP.CLOSE) + 1);
    assert.deepEqual(afterClose, []);
    // others unaffected
    assert.ok(bystander.isOpen);
    assert.equal((await bystander.request({ type: 'ping' })).type, 'pong');
    await bystander.close();
  });

  test('rejections below 500 never close the connection', async (t) => {
    const d2 = await withPulse(t, ['--rate-burst', '1', '--rate-limit', '1']);
    const r = await RawClient.open(d2.port);
    const N = 400;
    const frames = [];
    for (let i = 1; i <= N; i++) frames.push(buildFrame({ payload: { type: 'ping', id: i } }));
    r.write(Buffer.concat(frames));
    const last = await r.nextJson((m) => m.id === N, 5000);
    assertError(last, 'rate_limited', N);
    await sleep(1100);
    assert.equal((await r.request({ type: 'ping', id: 'alive' })).type, 'pong');
    assert.equal(r.ended, false);
    assert.deepEqual(r.closeCodesSeen(), []);
    r.destroy();
  });
});

describe('close', () => {
  test('a client close 1000 is answered with close 1000', async () => {
    const c = await Client.connect(d.wsUrl);
    await c.barrier();
    const cl = await c.close(1000);
    assert.equal(cl.code, 1000);
  });
});
