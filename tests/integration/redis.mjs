// A throw-away redis-server for the fleet tests: a free loopback port, no persistence, stopped
// when the test ends (and killed when the test process exits, whatever happened).
import { spawn } from 'node:child_process';
import net from 'node:net';
import { sleep } from './lib.mjs';

const live = new Set();
process.on('exit', () => {
  for (const c of live) {
    try {
      c.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
});

/** A TCP port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export class Redis {
  /** Starts redis-server on `port` (a free one by default) with extra config lines as args. */
  static async start({ port, args = [] } = {}) {
    const r = new Redis(port ?? (await freePort()), args);
    await r.spawn();
    return r;
  }

  constructor(port, args) {
    this.port = port;
    this.args = args;
    this.url = `redis://127.0.0.1:${port}`;
  }

  async spawn() {
    const argv = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--daemonize', 'no', '--loglevel', 'warning', ...this.args];
    this.child = spawn('redis-server', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(this.child);
    this.log = '';
    this.child.stdout.on('data', (d) => (this.log += d));
    this.child.stderr.on('data', (d) => (this.log += d));
    this.exited = new Promise((resolve) => this.child.on('exit', () => {
      live.delete(this.child);
      resolve();
    }));
    const deadline = Date.now() + 5000;
    while (!(await canConnect(this.port))) {
      if (Date.now() > deadline) throw new Error(`redis-server did not start: ${this.log}`);
      await sleep(20);
    }
  }

  /** Kills the server at once (SIGKILL): clients see the connection drop. */
  async kill() {
    if (!this.child || this.child.exitCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  async restart() {
    await this.kill();
    await this.spawn();
  }

  async stop() {
    await this.kill();
  }

  /** Runs one command through redis-cli (tests only; the daemon never does this). */
  cli(...argv) {
    return new Promise((resolve, reject) => {
      const c = spawn('redis-cli', ['-p', String(this.port), '--no-auth-warning', ...argv]);
      let out = '';
      c.stdout.on('data', (d) => (out += d));
      c.on('error', reject);
      c.on('close', () => resolve(out.trim()));
    });
  }
}
