// The total bound on outbound queues (--max-total-queue-bytes, SPEC section 7): when all queues
// together would pass it, the connection whose queue would grow is closed, and the counters say so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withPulse, Client, RawClient } from './lib.mjs';

const FAST = ['--rate-limit', '100000', '--rate-burst', '100000'];

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
