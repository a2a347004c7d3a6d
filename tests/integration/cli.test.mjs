// Command line, listening line, SO_REUSEADDR and signal handling (SPEC §2, §7).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {
  runPulse,
  startPulse,
  withPulse,
  Client,
  httpGet,
  LISTEN_RE,
  RESERVED_CLOSE_CODES,
  withTimeout,
} from './lib.mjs';

describe('cli: --version / --help', () => {
  test('--version prints "pulse X.Y.Z" on stdout and exits 0', async () => {
    const r = await runPulse(['--version']);
    assert.equal(r.timedOut, false, 'pulse --version did not exit');
    assert.equal(r.code, 0, `exit code; stderr: ${r.stderr}`);
    assert.match(r.stdout, /^pulse \d+\.\d+\.\d+\n?$/);
  });

  test('--help prints usage on stdout and exits 0', async () => {
    const r = await runPulse(['--help']);
    assert.equal(r.timedOut, false, 'pulse --help did not exit');
    assert.equal(r.code, 0, `exit code; stderr: ${r.stderr}`);
    assert.ok(r.stdout.trim().length > 0, 'usage text on stdout');
    assert.match(r.stdout, /--port/, 'usage mentions --port');
  });
});

describe('cli: a bad flag or value exits 2 with exactly one line on stderr', () => {
  const cases = [
    ['unknown flag', ['--no-such-flag']],
    ['unknown flag with value', ['--bogus', '1']],
    ['non-number port', ['--port', 'abc']],
    ['port 65536', ['--port', '65536']],
    ['negative port', ['--port', '-1']],
    ['unknown log level', ['--log-level', 'verbose']],
    ['--interval-ms 5 (below 10)', ['--interval-ms', '5']],
    ['--interval-ms 60001 (above 60000)', ['--interval-ms', '60001']],
    ['--interval-ms non-number', ['--interval-ms', '10x']],
    ['--heartbeat-ms 999 (not 0 and below 1000)', ['--heartbeat-ms', '999']],
    ['--compression maybe', ['--compression', 'maybe']],
    ['flag missing its value', ['--port']],
  ];
  for (const [name, args] of cases) {
    test(name, async () => {
      // With a valid port/db so that a daemon wrongly accepting the flag would just start listening.
      const full =
        args[0] === '--port' && args.length === 2 ? [...args, '--db', ':memory:'] : ['--db', ':memory:', ...(args[0] === '--port' ? [] : ['--port', '0']), ...args];
      const r = await runPulse(full, { timeoutMs: 4000 });
      assert.equal(r.timedOut, false, `pulse ${full.join(' ')} kept running (stdout: ${JSON.stringify(r.stdout)})`);
      assert.equal(r.code, 2, `exit code for ${full.join(' ')}; stderr: ${JSON.stringify(r.stderr)}`);
      const lines = r.stderr.replace(/\n$/, '').split('\n');
      assert.equal(lines.length, 1, `exactly one line on stderr, got ${JSON.stringify(r.stderr)}`);
      assert.ok(lines[0].trim().length > 0, 'the stderr line gives a reason');
      assert.doesNotMatch(r.stdout, /pulse listening on/);
    });
  }
});

describe('cli: listening', () => {
  test('prints exactly one listening line "pulse listening on http://127.0.0.1:PORT" with the real port', async (t) => {
    const d = await withPulse(t, []);
    assert.match(d.listenLine, LISTEN_RE);
    assert.equal(d.scheme, 'http');
    assert.equal(d.host, '127.0.0.1', 'default host is 127.0.0.1');
    assert.ok(Number.isInteger(d.port) && d.port > 0 && d.port < 65536, `real port, got ${d.port}`);
    assert.equal(d.stdoutLines.filter((l) => l.startsWith('pulse listening on')).length, 1);
    // The port printed is the one it accepts connections on.
    const r = await httpGet(d.port, '/healthz');
    assert.equal(r.status, 200);
  });

  test('--host 127.0.0.1 is reflected in the listening line', async (t) => {
    const d = await withPulse(t, ['--host', '127.0.0.1']);
    assert.equal(d.host, '127.0.0.1');
  });

  test('--port 0 twice gives two different free ports', async (t) => {
    const a = await withPulse(t, []);
    const b = await withPulse(t, []);
    assert.notEqual(a.port, b.port);
    assert.equal((await httpGet(a.port, '/healthz')).status, 200);
    assert.equal((await httpGet(b.port, '/healthz')).status, 200);
  });

  test('an unusable port (already in use) exits 1 with one line on stderr', async (t) => {
    const a = await withPulse(t, []);
    const r = await runPulse(['--port', String(a.port), '--db', ':memory:'], { timeoutMs: 4000 });
    assert.equal(r.timedOut, false, 'second daemon on a busy port kept running');
    assert.equal(r.code, 1, `exit code; stderr: ${JSON.stringify(r.stderr)}`);
    assert.equal(r.stderr.replace(/\n$/, '').split('\n').length, 1, `one line: ${JSON.stringify(r.stderr)}`);
  });
});

describe('cli: unusable resources exit 1', () => {
  test('a db path in a missing directory exits 1 with one line on stderr', async () => {
    const r = await runPulse(['--port', '0', '--db', '/nonexistent-dir-for-pulse-tests/sub/pulse.db'], { timeoutMs: 4000 });
    assert.equal(r.timedOut, false, 'kept running');
    assert.equal(r.code, 1, `exit code; stderr: ${JSON.stringify(r.stderr)}`);
    assert.equal(r.stderr.replace(/\n$/, '').split('\n').length, 1, `one line: ${JSON.stringify(r.stderr)}`);
  });
});

describe('cli: SO_REUSEADDR', () => {
  test('a restart on the same port right after SIGTERM works (with connections that were open)', async (t) => {
    const a = await startPulse([]);
    t.after(() => a.stop('SIGKILL'));
    const port = a.port;
    // Open connections with traffic, so the server side ends up with sockets in TIME_WAIT.
    const clients = await Promise.all([Client.connect(a.wsUrl), Client.connect(a.wsUrl), Client.connect(a.wsUrl)]);
    for (const c of clients) await c.barrier();
    await httpGet(port, '/healthz');
    const ex = await a.stop('SIGTERM', 3000);
    assert.equal(ex.timedOut, false, 'first daemon exited after SIGTERM');
    for (const c of clients) await withTimeout(c.closed, 2000, 'client close');

    const b = await startPulse(['--port', String(port)]);
    t.after(() => b.stop('SIGKILL'));
    assert.equal(b.port, port);
    const c = await Client.connect(b.wsUrl);
    await c.barrier();
    await c.close();
  });
});

for (const sig of ['SIGTERM', 'SIGINT']) {
  describe(`cli: ${sig}`, () => {
    test(`${sig}: every WebSocket gets close 1001 and the process exits 0 within 2 s`, async (t) => {
      const d = await startPulse([]);
      t.after(() => d.stop('SIGKILL'));
      const clients = await Promise.all(Array.from({ length: 3 }, () => Client.connect(d.wsUrl)));
      await clients[0].request({ type: 'subscribe', channel: 'shutdown-test' });
      for (const c of clients) await c.barrier();

      const sentAt = Date.now();
      d.kill(sig);
      const exit = await withTimeout(d.exited, 4000, `exit after ${sig}`);
      const elapsed = exit.at - sentAt;
      const closes = await Promise.all(clients.map((c) => withTimeout(c.closed, 3000, 'client close')));

      assert.equal(exit.signal, null, `exited by itself, not killed by ${exit.signal}`);
      assert.equal(exit.code, 0, `exit code after ${sig}; stderr: ${d.stderr}`);
      // Contract limit (SPEC §2), with a little slack for process start-up/scheduling of the test.
      assert.ok(elapsed <= 2500, `exited ${elapsed} ms after ${sig} (limit 2 s)`);
      for (const cl of closes) {
        assert.equal(cl.code, 1001, `close code ${cl.code}`);
        assert.ok(!RESERVED_CLOSE_CODES.includes(cl.code));
      }
    });
  });
}

// A write to a connection the peer has reset must fail with EPIPE rather than kill the daemon
// (found by a stress test: "killed by SIGPIPE"). The test runner starts it with SIGPIPE at its
// default action, so the daemon must ignore it itself.
test('the daemon ignores SIGPIPE', async (t) => {
  const d = await withPulse(t, []);
  const status = fs.readFileSync(`/proc/${d.pid}/status`, 'utf8');
  const ign = BigInt(`0x${/^SigIgn:\s*([0-9a-f]+)/m.exec(status)[1]}`);
  assert.equal((ign >> 12n) & 1n, 1n, `SIGPIPE (13) not in SigIgn ${ign.toString(16)}`);
});
