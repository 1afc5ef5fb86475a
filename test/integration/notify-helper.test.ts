import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { findHelper } from '../../src/engine/notify/helper.js';
import { LineSplitter } from '../../src/engine/notify/protocol.js';

/** The compiled helper (npm run build) spoken to directly: protocol checks that need no cgroups. */
function startHelper(): { child: ChildProcessWithoutNullStreams; next(): Promise<string> } {
  const file = findHelper();
  if (!file) throw new Error('build/lmctfy-notify is missing: run `npm run build` first');
  const child = spawn(file, [], { stdio: 'pipe' });
  const lines: string[] = [];
  const waiting: Array<(l: string) => void> = [];
  const split = new LineSplitter();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    for (const l of split.push(chunk)) {
      const w = waiting.shift();
      if (w) w(l);
      else lines.push(l);
    }
  });
  const next = () => {
    const l = lines.shift();
    return l !== undefined ? Promise.resolve(l) : new Promise<string>((r) => waiting.push(r));
  };
  return { child, next };
}

describe('lmctfy-notify protocol', () => {
  let child: ChildProcessWithoutNullStreams | undefined;
  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('answers malformed commands with an error naming the id when it has one', async () => {
    const h = startHelper();
    child = h.child;
    h.child.stdin.write('garbage\nadd\nadd x oom /tmp\nadd 3 threshold abc /tmp\nadd 4 threshold 12\nadd 5 oom\nadd 6 bogus /tmp\ndel 7 extra\n');
    expect(await h.next()).toBe('error - malformed command');
    expect(await h.next()).toBe('error - malformed command');
    expect(await h.next()).toBe('error - malformed command');
    for (const id of [3, 4, 5, 6, 7]) expect(await h.next()).toBe(`error ${id} malformed command`);
  });

  it('reports a dir without memory control files, and del of an unknown id is silent', async () => {
    const dir = fs.mkdtempSync('/tmp/lmctfy-notify-unit-');
    const h = startHelper();
    child = h.child;
    h.child.stdin.write(`add 1 oom ${dir}/no such dir\ndel 99\nadd 2 threshold 4096 ${dir}\n`);
    expect(await h.next()).toBe(`error 1 open ${dir}/no such dir/memory.oom_control: No such file or directory`);
    expect(await h.next()).toBe(`error 2 open ${dir}/memory.usage_in_bytes: No such file or directory`);
    fs.rmSync(dir, { recursive: true });
  });

  it('skips an overlong line and keeps going', async () => {
    const h = startHelper();
    child = h.child;
    h.child.stdin.write(`add 1 oom /${'x'.repeat(20000)}\nadd 2 bogus /\n`);
    expect(await h.next()).toBe('error - line too long');
    expect(await h.next()).toBe('error 2 malformed command');
  });

  it('commands split across writes are joined', async () => {
    const h = startHelper();
    child = h.child;
    h.child.stdin.write('add 9 bo');
    await new Promise((r) => setTimeout(r, 50));
    h.child.stdin.write('gus /\n');
    expect(await h.next()).toBe('error 9 malformed command');
  });

  it('closes fds it inherited, so it never holds a pipe of its parent open', async () => {
    const file = findHelper()!;
    const c = spawn(file, [], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    child = c as unknown as ChildProcessWithoutNullStreams;
    const extra = c.stdio[3] as NodeJS.ReadableStream;
    extra.resume();
    await new Promise((r) => extra.once('end', r));
    expect(c.exitCode).toBeNull();
  });

  it('exits 0 on EOF', async () => {
    const h = startHelper();
    child = h.child;
    const exited = new Promise<number | null>((r) => h.child.once('exit', (code) => r(code)));
    h.child.stdin.end();
    expect(await exited).toBe(0);
  });
});
