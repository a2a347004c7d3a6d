// Issue 15, the host half: the metrics.processes channel, filesystems, CPU steal, temperatures,
// host identity in the snapshot, and per-host history names, against the real daemon.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { Client, withPulse, sleep } from './lib.mjs';

const FAST = ['--interval-ms', '200'];
const isProcs = (m) => m.type === 'processes';
const isMetrics = (m) => m.type === 'metrics';

function readSyscalls(pid) {
  return Number(/^syscr: (\d+)$/m.exec(fs.readFileSync(`/proc/${pid}/io`, 'utf8'))[1]);
}

function spawnMany(t, n, args) {
  const kids = [];
  for (let i = 0; i < n; i++) kids.push(spawn(args[0], args.slice(1), { stdio: 'ignore' }));
  t.after(() => kids.forEach((k) => k.kill('SIGKILL')));
  return kids;
}

describe('metrics.processes', () => {
  test('a subscriber gets the top processes, with real CPU shares a second later', async (t) => {
    const d = await withPulse(t, FAST);
    const [busy] = spawnMany(t, 1, [process.execPath, '-e', 'for(;;){}']);
    const c = await Client.connect(d.wsUrl);
    t.after(() => c.close());
    const r = await c.request({ type: 'subscribe', channel: 'metrics.processes' });
    assert.equal(r.type, 'subscribed');
    const first = await c.next(isProcs, 3000);
    assert.equal(first.rates, false, 'the first scan has no previous one');
    assert.equal(first.period_ms, 5000);
    assert.ok(first.total > 1);
    const f = await c.next((m) => isProcs(m) && m.rates, 3000);
    for (const list of [f.by_cpu, f.by_memory]) {
      assert.ok(list.length >= 1 && list.length <= 15);
      for (const p of list) {
        assert.equal(typeof p.pid, 'number');
        assert.equal(typeof p.name, 'string');
        assert.match(p.state, /^[A-Za-z]$/);
        assert.equal(typeof p.rss, 'number');
        assert.ok(p.threads >= 1);
        assert.ok(p.user === null || typeof p.user === 'string');
        assert.ok(p.start === null || Math.abs(p.start - Date.now()) < 400 * 86400e3);
      }
    }
    for (let i = 1; i < f.by_memory.length; i++) assert.ok(f.by_memory[i - 1].rss >= f.by_memory[i].rss);
    // The machine is shared: the busy loop is among the top, not necessarily first.
    const top = f.by_cpu.find((p) => p.pid === busy.pid);
    assert.ok(top, `busy loop missing from ${JSON.stringify(f.by_cpu.slice(0, 5))}`);
    assert.ok(top.cpu > 5, `busy loop at ${top.cpu} %`);
    assert.equal(top.name, 'node');
    assert.equal(top.user, os.userInfo().username);
    assert.ok(Math.abs(top.start - Date.now()) < 60000, 'started just now');
  });

  test('is not part of "metrics", and metrics groups are not part of it', async (t) => {
    const d = await withPulse(t, FAST);
    const all = await Client.connect(d.wsUrl);
    const procs = await Client.connect(d.wsUrl);
    t.after(() => {
      all.close();
      procs.close();
    });
    await all.request({ type: 'subscribe', channel: 'metrics' });
    await procs.request({ type: 'subscribe', channel: 'metrics.processes' });
    await procs.next(isProcs, 3000);
    await sleep(1500);
    assert.equal(all.take(isProcs).length, 0);
    assert.ok(all.take(isMetrics).length > 0);
    assert.equal(procs.take(isMetrics).length, 0);
    const bad = await all.request({ type: 'subscribe', channel: 'metrics.process' });
    assert.equal(bad.type, 'error');
    assert.equal(bad.code, 'unknown_channel');
  });

  test('/proc/[pid] is only read while someone subscribes', async (t) => {
    spawnMany(t, 200, ['sleep', '600']);
    const d = await withPulse(t, ['--interval-ms', '1000']);
    await sleep(500);
    // 5.5 s covers one slow scan (filesystems) and five ticks, with nobody subscribed.
    const r0 = readSyscalls(d.pid);
    await sleep(5500);
    const idle = readSyscalls(d.pid) - r0;
    const c = await Client.connect(d.wsUrl);
    t.after(() => c.close());
    await c.request({ type: 'subscribe', channel: 'metrics.processes' });
    await c.next((m) => isProcs(m) && m.rates, 4000);
    const r1 = readSyscalls(d.pid);
    await sleep(5500);
    const busy = readSyscalls(d.pid) - r1;
    // A scan reads each of the 200+ /proc/[pid]/stat files at least once.
    assert.ok(idle < 200, `read syscalls in 5.5 s with no subscriber: ${idle}`);
    assert.ok(busy - idle > 200, `with a subscriber: ${busy}, without: ${idle}`);
  });
});

describe('host identity, filesystems and breakdowns', () => {
  test('the snapshot names the host, over WebSocket and /api/snapshot', async (t) => {
    const d = await withPulse(t, FAST);
    const c = await Client.connect(d.wsUrl);
    t.after(() => c.close());
    const s = await c.request({ type: 'snapshot' });
    const h = s.host;
    assert.equal(h.hostname, os.hostname());
    assert.equal(h.kernel, os.release());
    assert.equal(h.cores, os.cpus().length);
    assert.equal(typeof h.os, 'string');
    assert.ok(h.os.length > 0);
    assert.equal(typeof h.arch, 'string');
    const btime = Number(/^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))[1]);
    assert.equal(h.boot_ts, btime * 1000);
    const mine = Object.values(os.networkInterfaces())
      .flat()
      .filter((a) => !a.internal)
      .map((a) => a.address);
    for (const a of h.addresses) {
      assert.match(a.family, /^ipv[46]$/);
      assert.ok(mine.includes(a.address.replace(/%.*$/, '')), `${a.address} is an address of this host`);
    }
    const res = await fetch(`http://127.0.0.1:${d.port}/api/snapshot`);
    const api = await res.json();
    assert.deepEqual(api.host, h);
  });

  test('the welcome names the host too, with the same object as the snapshot', async (t) => {
    const d = await withPulse(t, FAST);
    const c = await Client.connect(d.wsUrl);
    t.after(() => c.close());
    const w = c.welcome;
    // The fields the SPEC fixes are still there, unchanged.
    assert.equal(w.type, 'welcome');
    assert.equal(w.protocol, 1);
    assert.equal(typeof w.connection_id, 'string');
    assert.equal(typeof w.heartbeat_ms, 'number');
    assert.equal(w.auth_required, false);
    assert.equal(w.host.hostname, os.hostname());
    assert.equal(w.host.kernel, os.release());
    assert.equal(w.host.cores, os.cpus().length);
    assert.ok(Array.isArray(w.host.addresses));
    const s = await c.request({ type: 'snapshot' });
    assert.deepEqual(w.host, s.host);
  });

  test('frames carry steal, filesystems and temperatures', async (t) => {
    const d = await withPulse(t, FAST);
    const c = await Client.connect(d.wsUrl);
    t.after(() => c.close());
    await c.request({ type: 'subscribe', channel: 'metrics' });
    const f = await c.next((m) => isMetrics(m) && m.rates, 3000);
    assert.equal(typeof f.cpu.steal, 'number');
    assert.equal(typeof f.system.temperatures, 'object');
    const hasHwmon = fs.existsSync('/sys/class/hwmon');
    if (!hasHwmon) assert.deepEqual(f.system.temperatures, {});
    const root = f.disk.filesystems.find((x) => x.mount === '/');
    assert.ok(root, JSON.stringify(f.disk.filesystems));
    const st = fs.statfsSync('/');
    assert.equal(root.size, st.blocks * st.bsize);
    assert.ok(root.used + root.available <= root.size);
    assert.ok(root.usage > 0 && root.usage < 100);
    for (const x of f.disk.filesystems) assert.ok(!['proc', 'sysfs', 'tmpfs', 'devpts', 'cgroup2'].includes(x.type));
    const mem = await c.request({ type: 'subscribe', channel: 'metrics.memory' });
    assert.equal(mem.type, 'subscribed');
    const only = await Client.connect(d.wsUrl);
    t.after(() => only.close());
    await only.request({ type: 'subscribe', channel: 'metrics.cpu' });
    const cf = await only.next(isMetrics, 3000);
    assert.ok(!('disk' in cf) && 'steal' in cf.cpu);
  });

  test('history knows every core, the mounts and the new breakdowns', async (t) => {
    const d = await withPulse(t, FAST);
    const c = await Client.connect(d.wsUrl);
    t.after(() => c.close());
    await sleep(700);
    const n = os.cpus().length;
    for (const metric of ['cpu.cores.0', `cpu.cores.${n - 1}`, 'cpu.steal', 'memory.buffers', 'fs./.usage', 'fs./.used']) {
      const r = await c.request({ type: 'history', metric, seconds: 60 });
      assert.equal(r.type, 'history', `${metric}: ${JSON.stringify(r)}`);
      assert.ok(r.points.length >= 1, `${metric} has points`);
    }
    const lo = await c.request({ type: 'history', metric: 'network.interfaces.lo.rx_bps', seconds: 60 });
    assert.equal(lo.type, 'history');
    const bad = await c.request({ type: 'history', metric: `cpu.cores.${n}`, seconds: 60 });
    assert.equal(bad.code, 'unknown_metric');
    const res = await fetch(`http://127.0.0.1:${d.port}/api/history?metric=cpu.cores.0&seconds=60`);
    assert.equal(res.status, 200);
  });
});
