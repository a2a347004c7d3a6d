// The README's examples work when pasted: the JavaScript and Python clients run against a real
// daemon (their ws://127.0.0.1:8080 pointed at its port), and the sample config file parses.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withPulse, runPulse } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const readme = fs.readFileSync(path.join(here, '../../README.md'), 'utf8');
const block = (lang) => {
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(readme);
  assert.ok(m, `README has a ${lang} block`);
  return m[1];
};
const run = (cmd, args, timeout = 10000) =>
  new Promise((resolve) =>
    execFile(cmd, args, { timeout, cwd: here }, (err, stdout, stderr) => resolve({ code: err ? err.code ?? 1 : 0, stdout, stderr })),
  );
const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

describe('README examples', () => {
  test('the JavaScript client subscribes, publishes and gets its message back', async (t) => {
    const d = await withPulse(t, []);
    const file = path.join(here, `.readme-example-${process.pid}.mjs`);
    fs.writeFileSync(file, block('js').replaceAll('127.0.0.1:8080', `127.0.0.1:${d.port}`));
    t.after(() => fs.rmSync(file, { force: true }));
    const r = await run(process.execPath, [file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^subscribed /m);
    assert.match(r.stdout, /^message .*"text":"hi"/m);
  });

  test('the Python client gets the welcome and a history reply', async (t) => {
    const d = await withPulse(t, ['--interval-ms', '100']);
    const file = path.join(os.tmpdir(), `readme-example-${process.pid}.py`);
    fs.writeFileSync(file, block('python').replaceAll('127.0.0.1:8080', `127.0.0.1:${d.port}`));
    t.after(() => fs.rmSync(file, { force: true }));
    const r = await run(python, [file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /'type': 'welcome'/);
    assert.match(r.stdout, /^history \d+ points$/m);
  });

  test('the sample config file parses', async () => {
    const file = path.join(os.tmpdir(), `readme-example-${process.pid}.conf`);
    fs.writeFileSync(file, block('ini'));
    const r = await runPulse(['--config', file, '--print-config']);
    fs.rmSync(file, { force: true });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^log-format = json$/m);
    assert.match(r.stdout, /^allowed-origin = https:\/\/ops\.example\.com$/m);
  });
});
