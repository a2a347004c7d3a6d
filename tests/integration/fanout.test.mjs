// Broadcast fan-out, ordering and slow consumers (SPEC §4, §5, §7 outbound queues).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { withPulse, Client, RawClient, connectMany, closeAll, waitFor, withTimeout, OP } from './lib.mjs';

// A high rate limit so that the publisher can send its messages in one go.
const FAST = ['--rate-limit', '100000', '--rate-burst', '100000'];

/** Waits (bounded) until every client has `n` messages of `channel`; returns their seqs. */
async function collect(clients, channel, n, timeoutMs) {
  await waitFor(() => clients.every((c) => c.all.filter((m) => m.type === 'message' && m.channel === channel).length >= n), {
    timeoutMs,
    intervalMs: 100,
    what: `${clients.length} clients × ${n} messages on ${channel} (have: ${clients
      .map((c) => c.all.filter((m) => m.type === 'message' && m.channel === channel).length)
      .filter((k) => k < n)
      .slice(0, 10)
      .join(',')} …)`,
  });
  return clients.map((c) => c.all.filter((m) => m.type === 'message' && m.channel === channel).map((m) => m.data.seq));
}

function rawTextSeqs(raw, channel) {
  return raw.allFrames
    .filter((f) => f.opcode === OP.TEXT)
    .map((f) => JSON.parse(f.text))
    .filter((m) => m.type === 'message' && m.channel === channel)
    .map((m) => m.data.seq);
}

describe('fan-out', () => {
  test('200 concurrent subscribers each get all N messages of one publisher, in order', async (t) => {
    const d = await withPulse(t, FAST);
    const subs = await connectMany(d.wsUrl, 200, { batch: 40 });
    t.after(() => closeAll(subs));
    await Promise.all(subs.map((c) => c.request({ type: 'subscribe', channel: 'fan' }, 10000)));
    const pub = await Client.connect(d.wsUrl);
    t.after(() => pub.close());

    const stats = await pub.request({ type: 'stats' });
    assert.equal(stats.connections, 201);
    assert.equal(stats.subscriptions.fan, 200);

    const N = 200;
    for (let i = 0; i < N; i++) pub.send({ type: 'publish', channel: 'fan', data: { seq: i, body: 'x'.repeat(100) } });
    const acks = [];
    for (let i = 0; i < N; i++) acks.push(await pub.next((m) => m.type === 'published' || m.type === 'error', 20000));
    assert.ok(acks.every((m) => m.type === 'published'), `all published: ${JSON.stringify(acks.find((m) => m.type !== 'published'))}`);

    const expected = Array.from({ length: N }, (_, i) => i);
    const seqs = await collect(subs, 'fan', N, 60000);
    for (const [i, s] of seqs.entries()) assert.deepEqual(s, expected, `client ${i} got every message in order`);
    for (const c of subs) {
      const m = c.all.find((x) => x.type === 'message');
      assert.equal(m.from, pub.id);
    }
    const after = await pub.request({ type: 'stats' });
    assert.equal(after.dropped, 0, 'nothing dropped');
    assert.ok(after.messages_out >= stats.messages_out + N * 200, 'messages_out counts the fan-out');
  });

  test('several publishers: each subscriber sees each publisher in its order', async (t) => {
    const d = await withPulse(t, FAST);
    const subs = await connectMany(d.wsUrl, 20);
    t.after(() => closeAll(subs));
    await Promise.all(subs.map((c) => c.request({ type: 'subscribe', channel: 'multi' })));
    const pubs = await connectMany(d.wsUrl, 4);
    t.after(() => closeAll(pubs));
    const N = 50;
    for (let i = 0; i < N; i++) for (const [k, p] of pubs.entries()) p.send({ type: 'publish', channel: 'multi', data: { seq: i, k } });
    await waitFor(() => subs.every((c) => c.all.filter((m) => m.type === 'message').length >= N * pubs.length), {
      timeoutMs: 30000,
      what: 'all messages',
    });
    for (const c of subs) {
      for (const [k, p] of pubs.entries()) {
        const mine = c.all.filter((m) => m.type === 'message' && m.from === p.id);
        assert.deepEqual(
          mine.map((m) => m.data.seq),
          Array.from({ length: N }, (_, i) => i),
        );
        assert.ok(mine.every((m) => m.data.k === k));
      }
    }
  });
});

describe('slow consumer', () => {
  test('a subscriber that stops reading does not hold up the others (default queue limit)', async (t) => {
    const d = await withPulse(t, FAST);
    const slow = await RawClient.open(d.port);
    t.after(() => slow.destroy());
    const sub = await slow.request({ type: 'subscribe', channel: 'slowfan' });
    assert.equal(sub.type, 'subscribed');
    slow.pause(); // never read again

    const fast = await connectMany(d.wsUrl, 10);
    t.after(() => closeAll(fast));
    await Promise.all(fast.map((c) => c.request({ type: 'subscribe', channel: 'slowfan' })));
    const pub = await Client.connect(d.wsUrl);
    t.after(() => pub.close());

    const N = 300;
    const body = 'y'.repeat(1024);
    for (let i = 0; i < N; i++) pub.send({ type: 'publish', channel: 'slowfan', data: { seq: i, body } });
    const seqs = await collect(fast, 'slowfan', N, 30000);
    const expected = Array.from({ length: N }, (_, i) => i);
    for (const s of seqs) assert.deepEqual(s, expected);

    // The server still answers everyone else.
    const st = await pub.request({ type: 'stats' });
    assert.equal(st.subscriptions.slowfan, 11, 'slow consumer still subscribed (300 KiB < 4 MiB)');

    // When the slow consumer reads again, it gets what was queued for it, in order.
    slow.resume();
    await waitFor(() => rawTextSeqs(slow, 'slowfan').length >= N, { timeoutMs: 15000, what: 'slow consumer to catch up' });
    assert.deepEqual(rawTextSeqs(slow, 'slowfan'), expected);
  });

  test('with --max-queue-bytes 65536 the slow consumer is disconnected (1008 or TCP drop); the rest are fine', async (t) => {
    const d = await withPulse(t, [...FAST, '--max-queue-bytes', '65536']);
    const slow = await RawClient.open(d.port);
    t.after(() => slow.destroy());
    assert.equal((await slow.request({ type: 'subscribe', channel: 'q' })).type, 'subscribed');
    slow.pause();

    const fast = await connectMany(d.wsUrl, 5);
    t.after(() => closeAll(fast));
    await Promise.all(fast.map((c) => c.request({ type: 'subscribe', channel: 'q' })));
    const pub = await Client.connect(d.wsUrl);
    t.after(() => pub.close());

    // Publish 16 KiB messages in small rounds; after each round wait until every fast client has
    // everything, so the fast clients never lag by more than one round (32 KiB, under the 64 KiB
    // limit), while the slow consumer's backlog grows (kernel socket buffers absorb several MiB
    // first). Bounded: at most 3000 rounds (~96 MiB towards the slow consumer) or 90 s.
    const body = 'z'.repeat(16 * 1024);
    const count = (c) => c.all.reduce((k, m) => k + (m.type === 'message' && m.channel === 'q' ? 1 : 0), 0);
    let seq = 0;
    let disconnected = false;
    const deadline = Date.now() + 90_000;
    for (let round = 0; round < 3000 && !disconnected && Date.now() < deadline; round++) {
      for (let i = 0; i < 2; i++) pub.send({ type: 'publish', channel: 'q', data: { seq: seq++, body } });
      for (let i = 0; i < 2; i++) {
        const ack = await pub.next((m) => m.type === 'published' || m.type === 'error', 20000);
        assert.equal(ack.type, 'published', JSON.stringify(ack));
      }
      await waitFor(() => fast.every((c) => count(c) >= seq || !c.isOpen), { timeoutMs: 20000, intervalMs: 2, what: 'fast clients' });
      for (const [i, c] of fast.entries()) assert.ok(c.isOpen, `fast client ${i} was disconnected (${JSON.stringify(c.closeInfo)}) after ${seq} messages`);
      if (round % 8 === 7) {
        const st = await pub.request({ type: 'stats' }, 10000);
        disconnected = st.connections === 6 && st.subscriptions.q === 5;
      }
    }
    assert.ok(disconnected, `slow consumer was disconnected after ${seq} messages of 16 KiB`);
    t.diagnostic(`slow consumer disconnected after ${seq} messages of 16 KiB`);

    // The remaining clients got everything, in order, and are still connected.
    const expected = Array.from({ length: seq }, (_, i) => i);
    const seqs = await collect(fast, 'q', seq, 30000);
    for (const s of seqs) assert.deepEqual(s, expected);
    for (const c of fast) assert.ok(c.isOpen);
    const st = await pub.request({ type: 'stats' });
    assert.equal(st.connections, 6);
    assert.deepEqual(st.subscriptions, { q: 5 });
    assert.ok(st.dropped >= 0);

    // The slow consumer, reading again, sees an in-order prefix and then 1008 or the end of TCP.
    slow.resume();
    const ended = await slow.waitEnd(15000);
    assert.ok(ended, 'slow consumer connection was closed by the server');
    const closeFrames = slow.allFrames.filter((f) => f.opcode === OP.CLOSE);
    if (closeFrames.length) assert.equal(closeFrames[0].code, 1008, 'close code for a slow consumer');
    const got = rawTextSeqs(slow, 'q');
    assert.deepEqual(got, Array.from({ length: got.length }, (_, i) => i), 'slow consumer got an in-order prefix, no gaps');
    assert.ok(got.length < seq, 'slow consumer did not get everything');

    // New clients are served normally.
    const late = await withTimeout(Client.connect(d.wsUrl), 5000, 'late connect');
    assert.equal((await late.request({ type: 'ping' })).type, 'pong');
    await late.close();
  });
});
