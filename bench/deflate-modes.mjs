// The permessage-deflate trade-off on real metrics frames: Pulse's shared compressor (each
// message deflated alone, no context kept: the same bytes for every subscriber) against a
// dedicated compressor per connection (context kept between messages, as Node `ws` does by
// default), on the same frames.
//   node bench/deflate-modes.mjs ws://127.0.0.1:PORT/ws [FRAMES]   (start pulse with a short
//   --interval-ms, e.g. 100, to collect quickly). Needs the `ws` package (tests/integration).
import zlib from 'node:zlib';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/integration/package.json', import.meta.url));
const WebSocket = require('ws');
const url = process.argv[2];
const want = Number(process.argv[3] || 60);
const frames = [];
await new Promise((resolve, reject) => {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const timer = setTimeout(() => reject(new Error('timed out collecting frames')), 120000);
  ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', channel: 'metrics' })));
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.type === 'metrics') frames.push(Buffer.from(d));
    if (frames.length >= want) {
      clearTimeout(timer);
      ws.close();
      resolve();
    }
  });
  ws.on('error', reject);
});
const sum = (a) => a.reduce((x, y) => x + y, 0);
const raw = sum(frames.map((f) => f.length));
const n = frames.length;
const SYNC = zlib.constants.Z_SYNC_FLUSH;
// shared: every frame alone (what Pulse sends: level 6, 15-bit window)
const shared = sum(frames.map((f) => zlib.deflateRawSync(f, { level: 6, finishFlush: SYNC }).length - 4));
console.log(`frames=${n} avg_raw_bytes=${(raw / n).toFixed(0)}`);
console.log(`shared (Pulse): avg_wire_bytes=${(shared / n).toFixed(0)} ratio=${(shared / raw).toFixed(3)} zlib_state_per_conn_kib=0 deflate_calls_per_frame=1`);
// dedicated: one stream per connection, context kept, a sync flush after each message
async function dedicated(windowBits, memLevel) {
  const d = zlib.createDeflateRaw({ level: 6, windowBits, memLevel });
  let total = 0;
  for (const f of frames) {
    const out = await new Promise((resolve) => {
      const parts = [];
      const onData = (c) => parts.push(c);
      d.on('data', onData);
      d.write(f);
      d.flush(SYNC, () => {
        d.off('data', onData);
        resolve(Buffer.concat(parts));
      });
    });
    total += out.length - 4;
  }
  d.close();
  // zlib's documented memory: deflate (1 << (windowBits + 2)) + (1 << (memLevel + 9)); the
  // peer's inflater (1 << windowBits) plus about 7 KiB of state.
  const deflateKiB = ((1 << (windowBits + 2)) + (1 << (memLevel + 9))) / 1024;
  const inflateKiB = (1 << windowBits) / 1024 + 7;
  console.log(`dedicated window=${windowBits} memLevel=${memLevel}: avg_wire_bytes=${(total / n).toFixed(0)} ratio=${(total / raw).toFixed(3)} zlib_state_per_conn_kib=${deflateKiB} (+${inflateKiB} for the client's inflater) deflate_calls_per_frame=subscribers`);
}
await dedicated(15, 8); // Node ws's default
await dedicated(10, 1);
await dedicated(9, 1);
