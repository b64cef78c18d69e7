/**
 * `tessera explain <module>` on modules whose default export never becomes a pipeline:
 * a promise that rejects (with an Error or anything else), a function whose promise
 * rejects, a promise that never settles, a module whose top-level await never settles
 * (while it holds the event loop open): each is one line on stderr and exit code 1,
 * within --timeout seconds (default 60), never an uncaught rejection or a process that
 * hangs. Arguments named like Object.prototype members are not options.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'tessera-cli-load-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tessera(...args: string[]) {
  const start = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, seconds: (performance.now() - start) / 1000 };
}

function module(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

describe('tessera explain: default exports that do not settle to a pipeline', () => {
  it.each([
    ['a rejected promise', 'rejected.mjs', "export default Promise.reject(new TypeError('no data'));\n", /^tessera explain: the default export of '.*rejected\.mjs' \(a promise\) rejected: TypeError: no data\n$/],
    ['a TypeScript module exporting a rejected promise', 'rejected.ts', "export default Promise.reject(new Error('boom'));\n", /^tessera explain: the default export of '.*rejected\.ts' \(a promise\) rejected: Error: boom\n$/],
    ['a promise rejected with a non-Error', 'string.mjs', "export default Promise.reject('just a string');\n", /^tessera explain: the default export of '.*string\.mjs' \(a promise\) rejected: just a string\n$/],
    [
      'a function whose promise rejects',
      'function.mjs',
      "export default async () => { throw new RangeError('bad\\nsecond line'); };\n",
      /^tessera explain: the promise returned by the function exported by default from '.*function\.mjs' rejected: RangeError: bad\n$/,
    ],
  ])('%s: one line, exit code 1', (_, file, text, message) => {
    const r = tessera('explain', module(file, text));
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.status).toBe(1);
  });

  it('a promise that never settles, or a module that never finishes loading: a timeout error after --timeout seconds', () => {
    const never = tessera('explain', module('never.mjs', 'export default new Promise(() => {});\n'), '--timeout', '1');
    expect(never.stderr).toMatch(/^tessera explain: the default export of '.*never\.mjs' \(a promise\) did not settle within 1 s; .*--timeout <seconds>/);
    expect(never.status).toBe(1);
    // An open handle (an interval) would keep the process alive after the error: it exits anyway.
    const loading = tessera('explain', module('tla.mjs', 'setInterval(() => {}, 1000);\nawait new Promise(() => {});\nexport default 1;\n'), '--timeout', '1');
    expect(loading.stderr).toMatch(/^tessera explain: loading '.*tla\.mjs' did not settle within 1 s/);
    expect(loading.status).toBe(1);
    expect(loading.seconds).toBeLessThan(30);
    const returned = tessera('explain', module('returns-never.mjs', 'export default () => new Promise(() => {});\n'), '--timeout', '0.5');
    expect(returned.stderr).toMatch(/^tessera explain: the promise returned by the function exported by default from '.*returns-never\.mjs' did not settle within 0\.5 s/);
    expect(returned.status).toBe(1);
  });

  it('--timeout takes seconds, and is in the usage text with its default', () => {
    for (const bad of [['--timeout'], ['--timeout', '-1']]) {
      const r = tessera('explain', 'x.ts', ...bad);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^tessera explain: --timeout expects a number of seconds from 0 \(no limit\)/);
    }
    const help = tessera('--help');
    expect(help.stdout).toMatch(/--timeout <s> +seconds to wait for the module to load .*\n.*default 60, 0 waits without limit/);
  });

  it('an argument named like an Object.prototype member is a module name, not an option', () => {
    for (const name of ['constructor', '__proto__']) {
      const r = tessera('explain', name);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^tessera explain: cannot find module '${name}'`));
    }
  });
});
