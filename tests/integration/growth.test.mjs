// A mount that appears while the daemon runs gets history from then on (and keeps it over a
// restart after it is gone), and filling it past the threshold raises a "nearly full" alert that
// resolves when space is freed (docs/METRICS.md sections 2 and 8, docs/PROTOCOL.md history).
//
// The daemon runs in its own mount namespace (`unshare -m`) and the test mounts a small ext4
// image there with `nsenter`, so the host's mounts are never touched. That needs root and loop
// devices; elsewhere the test is skipped (the unit tests test_catalog_growth and test_fs_alerts
// cover the same logic on fixture trees).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Daemon, PULSE_BIN, waitFor } from './lib.mjs';

function canMount() {
  if (process.getuid?.() !== 0) return 'needs root (mount namespaces and loop devices)';
  const probe = spawnSync('unshare', ['-m', 'true']);
  if (probe.status !== 0) return 'unshare -m is not permitted here';
  if (spawnSync('mkfs.ext4', ['-V']).error) return 'mkfs.ext4 is not installed';
  if (!fs.existsSync('/dev/loop-control')) return 'no loop devices';
  return null;
}

async function startInNamespace(t, args) {
  const child = spawn('unshare', ['-m', '--propagation', 'private', PULSE_BIN, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const d = new Daemon(child, args); // unshare execs the daemon: same pid
  await d.ready(5000);
  t.after(() => (d.running ? d.stop('SIGKILL', 2000) : null));
  return d;
}

const inNamespace = (d, cmd) => execFileSync('nsenter', ['-t', String(d.pid), '-m', 'sh', '-c', cmd]);

async function history(c, metric) {
  return c.request({ type: 'history', metric, seconds: 600 });
}

const skip = canMount();

describe('items that appear after start-up', { skip: skip ?? false }, () => {
  test('a new mount gets history, alerts, and keeps its history over a restart', async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pulse-growth-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const img = path.join(dir, 'disk.img');
    const mnt = path.join(dir, 'mnt');
    const db = path.join(dir, 'h.db');
    fs.mkdirSync(mnt);
    fs.writeFileSync(img, Buffer.alloc(0));
    fs.truncateSync(img, 4 * 1024 * 1024);
    execFileSync('mkfs.ext4', ['-q', '-F', img]);
    const usage = `fs.${mnt}.usage`;

    const d = await startInNamespace(t, ['--db', db, '--interval-ms', '200']);
    const c = await Client.connect(d.wsUrl);
    t.after(() => c.close());
    await c.request({ type: 'subscribe', channel: 'insights' });
    assert.equal((await history(c, usage)).code, 'unknown_metric');

    inNamespace(d, `mount -o loop '${img}' '${mnt}'`);
    // The filesystem scan runs every 5 s; the first one after the mount adds the names.
    const h = await waitFor(
      async () => {
        const r = await history(c, usage);
        return r.type === 'history' && r.points.length > 0 ? r : null;
      },
      { timeoutMs: 12000, intervalMs: 250, what: `history of ${usage}` },
    );
    assert.ok(h.points.every(([, v]) => v >= 0 && v < 90), JSON.stringify(h.points));
    const snap = await c.request({ type: 'snapshot' });
    assert.ok(snap.history_metrics.includes(usage) && snap.history_metrics.includes(`fs.${mnt}.used`));
    assert.ok(d.stdout.includes('history_metric_added') || d.stderr.includes('history_metric_added'));

    // Fill it past 90 %: "nearly full", in words, with the numbers in fields.
    inNamespace(d, `dd if=/dev/zero of='${mnt}/fill' bs=1k count=2400 2>/dev/null; sync`);
    const raised = await c.next((m) => m.type === 'insight' && m.key === `fs_full:${mnt}`, 12000);
    assert.equal(raised.state, 'raised');
    assert.equal(raised.metric, usage);
    assert.equal(raised.unit, 'percent');
    assert.equal(raised.threshold, 90);
    assert.ok(raised.value >= 90, String(raised.value));
    assert.match(raised.message, new RegExp(`^Disk ${mnt} is \\d+ % full \\(\\d+(\\.\\d)? [KM]iB free\\)$`));

    inNamespace(d, `rm -f '${mnt}/fill'; sync`);
    const resolved = await c.next((m) => m.type === 'insight' && m.resolves === raised.seq, 12000);
    assert.equal(resolved.state, 'resolved');
    assert.equal(resolved.level, 'info');
    assert.ok(resolved.value < 85);
    assert.match(resolved.message, new RegExp(`^Disk ${mnt} back to normal at \\d+ % full`));
    assert.ok(!resolved.message.includes(usage), resolved.message);

    // Stopped cleanly (the pending rows are written), then started without the mount: the gone
    // item's history comes back from the database.
    const stop = await d.stop('SIGTERM', 5000);
    assert.equal(stop.code, 0);
    const d2 = await startInNamespace(t, ['--db', db, '--interval-ms', '200']);
    const c2 = await Client.connect(d2.wsUrl);
    t.after(() => c2.close());
    const again = await history(c2, usage);
    assert.equal(again.type, 'history', JSON.stringify(again));
    assert.ok(again.points.length >= h.points.length, `${again.points.length} restored points`);
  });
});
