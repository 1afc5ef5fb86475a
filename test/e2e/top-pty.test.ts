import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCgroups, testRoot } from '../helpers/cgroups.js';
import { KEY, PtySession } from '../helpers/pty.js';
import { ContainerApi } from '../../src/engine/container-api.js';

describeCgroups('lmctfy top in a real terminal, against real cgroups', () => {
  const t = testRoot('tui');
  let api: ContainerApi;
  let top: PtySession;
  beforeAll(async () => {
    api = await ContainerApi.init({}, { root: t.root });
    await api.create('outside1', { memory: { limit: 200_000_000 } });
    top = new PtySession(['top', '--interval', '0.5'], { LMCTFY_ROOT: t.root });
    await top.waitFor(/outside1/);
  });
  afterAll(async () => {
    await top?.close();
    await t.cleanup();
  });

  /** The table's rows: from the column header to the first blank line. */
  const tableRows = (screen: string) => {
    const lines = screen.split('\n');
    const start = lines.findIndex((l) => /NAME\s+CPU%/.test(l));
    const end = lines.findIndex((l, i) => i > start && l.trim() === '');
    return lines.slice(start + 1, end);
  };
  const kernel = (controller: string, name: string, file: string) => path.join(api.machine.dirOf(name, controller as 'memory')!, file);

  it('shows the header and a container created from outside', async () => {
    const s = top.screen();
    expect(s).toMatch(/lmctfy top/);
    expect(s).toMatch(/CPU%: 100% = one CPU/);
    await api.create('outside2');
    await top.waitFor(/outside2/);
  });

  it('an invalid spec shows an error and creates nothing', async () => {
    await top.keys('c');
    await top.type('bad1');
    await top.keys(KEY.enter);
    await top.type('memory:{limt:1}');
    await top.keys(KEY.enter);
    await top.waitFor(/unknown field "limt"/);
    await top.keys(KEY.esc);
    expect(fs.existsSync(api.machine.trackingDir('/bad1'))).toBe(false);
  });

  it('creates a container by keys with its limit in the kernel, and selects it', async () => {
    await top.keys('c');
    await top.type('bykeys');
    await top.keys(KEY.enter);
    await top.type('memory:{limit:100000000}');
    await top.keys(KEY.enter);
    await top.waitFor(/created \/bykeys/);
    expect(fs.readFileSync(kernel('memory', '/bykeys', 'memory.limit_in_bytes'), 'utf8').trim()).toBe('99999744');
    await top.waitFor(/› .*bykeys/);
  });

  it('runs a command inside the selected container', async () => {
    await top.keys('r');
    await top.type('echo hello-from-log; sleep 60');
    await top.keys(KEY.enter);
    const s = await top.waitFor(/started pid \d+/);
    const pid = Number(/started pid (\d+)/.exec(s)![1]);
    expect(api.get('/bykeys').listProcesses()).toContain(pid);
  });

  it("l shows the detached command's output from the container's log", async () => {
    await top.keys('l');
    await top.waitFor(/Log of \/bykeys/);
    await top.waitFor(/^hello-from-log/m);
    await top.keys(KEY.esc);
    await top.waitFor(/^(?![\s\S]*Log of)/);
  });

  it('P lists the processes of the selected container', async () => {
    await top.keys('P');
    await top.waitFor(/PID\s+USER.*COMMAND/);
    await top.waitFor(/\d+\s+root\s+S\s.*sleep 60/);
    await top.keys(KEY.esc);
  });

  it('keys written together all act: ++ in one write walks the interval twice', async () => {
    await top.type('++');
    await top.waitFor(/interval 2 s/);
    await top.type('--');
    await top.waitFor(/interval 500 ms/);
  });

  it('x hands the terminal to a shell inside the container and comes back when it exits', async () => {
    await top.keys('x', KEY.enter);
    await top.waitFor(/exit it to return to the console/);
    // Typed into the shell, not the console: the console's reader let go of the terminal.
    await top.type('echo "in $(cat /proc/self/cgroup | grep -c bykeys) cgroups: $((40 + 2))"\r');
    await top.waitFor(/in [1-9]\d* cgroups: 42/);
    await top.type('exit 3\r');
    await top.waitFor(/shell in \/bykeys exited with status 3/);
    await top.waitFor(/› .*bykeys/);
  });

  it('pauses (kernel FROZEN) and resumes', async () => {
    await top.keys('p');
    await top.waitFor(/paused \/bykeys/);
    expect(fs.readFileSync(kernel('freezer', '/bykeys', 'freezer.state'), 'utf8').trim()).toBe('FROZEN');
    // p toggles on the state the screen shows: wait for a sample to show it frozen.
    await top.waitFor(/› .*bykeys.*FROZEN/);
    await top.keys('p');
    await top.waitFor(/resumed \/bykeys/);
    expect(fs.readFileSync(kernel('freezer', '/bykeys', 'freezer.state'), 'utf8').trim()).toBe('THAWED');
  });

  it('destroys the selected container after confirmation (forced: it has tasks)', async () => {
    await top.waitFor(/› .*bykeys/);
    await top.keys('d', 'y', 'y');
    await top.waitFor(/destroyed \/bykeys/);
    expect(fs.existsSync(api.machine.trackingDir('/bykeys'))).toBe(false);
    expect(fs.existsSync(kernel('memory', '/bykeys', ''))).toBe(false);
  });

  it('filters, keeping matches', async () => {
    await top.keys('/');
    await top.type('outside1');
    await top.keys(KEY.enter);
    await top.waitFor(/outside1/);
    await top.waitFor(/^(?![\s\S]*outside2)/);
    expect(tableRows(top.screen()).some((l) => l.includes('outside2'))).toBe(false);
    await top.keys('/', KEY.esc);
    await top.waitFor(/outside2/);
  });

  it('K sends the chosen signal to every task of the selected container', async () => {
    await api.create('sigs');
    const child = await api.get('/sigs').run(['sleep', '60'], { detached: true });
    child.unref();
    await top.keys('/');
    await top.type('sigs');
    await top.keys(KEY.enter);
    await top.waitFor(/sigs\s+\S+%/);
    // The filter leaves / and sigs: End selects sigs.
    await top.keys('\u001b[F');
    await top.waitFor(/› .*sigs/);
    await top.keys('K');
    await top.waitFor(/Signal for .*\/sigs: \[TERM\]/);
    await top.keys(KEY.enter, 'y');
    await top.waitFor(/sent SIGTERM to all tasks in \/sigs/);
    const deadline = Date.now() + 5000;
    while (api.get('/sigs').listProcesses().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(api.get('/sigs').listProcesses()).toEqual([]);
    await top.keys(KEY.esc);
  });

  it('q quits and restores the terminal', async () => {
    await top.keys('q');
    const deadline = Date.now() + 5000;
    while (top.exitCode === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(top.exitCode).toBe(0);
  });
});
