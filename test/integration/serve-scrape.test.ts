import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCgroups, testRoot } from '../helpers/cgroups.js';
import { BIN, lmctfy } from '../helpers/cli.js';
import { ContainerApi } from '../../src/engine/container-api.js';

/** A running `lmctfy serve` and a GET of its /metrics. */
async function startServe(root: string): Promise<{ child: ChildProcess; metrics(): Promise<string> }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0'], { env: { ...process.env, LMCTFY_ROOT: root } });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const addr = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listen="([^"]+)"\n/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
  const metrics = () =>
    new Promise<string>((resolve, reject) =>
      http
        .get(`http://${addr}/metrics`, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${res.statusCode}: ${body}`))));
        })
        .on('error', reject),
    );
  return { child, metrics };
}

/** The samples of a container's lines (the id label exactly), in the exposition's order. */
const linesOf = (text: string, id: string) => text.split('\n').filter((l) => l.includes(`{id="${id}"`));
const valueOf = (text: string, metric: string, id: string) => linesOf(text, id).find((l) => l.startsWith(`${metric}{`))?.split(' ')[1];

describeCgroups('serve: each scrape shows the tree as it is (real cgroups)', () => {
  const t = testRoot('serve-scrape');
  let api: ContainerApi;
  let serve: Awaited<ReturnType<typeof startServe>>;
  beforeAll(async () => {
    api = await ContainerApi.init({}, { root: t.root });
    await api.create('idle', { pids: { limit: 64 }, cpu: { limit: 500, max_limit: 1000 } });
    serve = await startServe(t.root);
  });
  afterAll(async () => {
    if (serve?.child.exitCode === null) {
      serve.child.kill('SIGTERM');
      await new Promise((r) => serve.child.once('exit', r));
    }
    t.cleanup();
  });

  it('a limit written and a container made just before a scrape are in it, with no wait between', async () => {
    // Past the first scrapes, which read everything.
    for (let i = 0; i < 3; i++) expect(valueOf(await serve.metrics(), 'container_threads_max', '/idle')).toBe('64');
    await api.get('idle').update({ pids: { limit: 128 }, cpu: { max_limit: 1500 } }, 'diff');
    let text = await serve.metrics();
    expect(valueOf(text, 'container_threads_max', '/idle')).toBe('128');
    expect(valueOf(text, 'container_spec_cpu_quota', '/idle')).toBe('150000');
    await api.create('idle/kid', {});
    text = await serve.metrics();
    expect(valueOf(text, 'container_cpu_usage_seconds_total', '/idle/kid')).toBeDefined();
    await api.destroy('idle/kid');
    expect(linesOf(await serve.metrics(), '/idle/kid')).toEqual([]);
  });

  it("an idle container's lines are those of a one-off pass that reads every file", async () => {
    // No CPU cap: a capped group's period timer counts periods with no task running.
    await api.create('still', { pids: { limit: 64 }, cpu: { limit: 500 } });
    for (let i = 0; i < 3; i++) await serve.metrics();
    const scraped = linesOf(await serve.metrics(), '/still');
    const once = lmctfy(t.root, ['top', '--format', 'prometheus', '--count', '1', '/still']);
    expect(once.code, once.stderr).toBe(0);
    expect(scraped.length).toBeGreaterThan(8);
    expect(scraped).toEqual(linesOf(once.stdout, '/still'));
  });
});
