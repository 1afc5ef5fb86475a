import { afterEach, describe, expect, it, vi } from 'vitest';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import { formatText, parseText } from '../../src/messages/codec.js';
import { percentiles } from '../../src/stats/history.js';
import { FakeConsole } from '../support/fake-console.js';

describe('FakeConsole', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is deterministic', () => {
    const a = new FakeConsole({ extraContainers: 50 });
    const b = new FakeConsole({ extraContainers: 50 });
    for (let i = 0; i < 5; i++) expect(a.tick()).toEqual(b.tick());
    expect(a.history('/web/backend')).toEqual(b.history('/web/backend'));
  });

  it('generates the requested number of containers', () => {
    const fake = new FakeConsole({ extraContainers: 250 });
    const names = fake.tick().containers.map((c) => c.name);
    expect(names.filter((n) => /^\/fleet\/g\d{3}\/c\d{5}$/.test(n))).toHaveLength(250);
    expect(names).toContain('/fleet/g002');
    expect(new Set(names).size).toBe(names.length);
  });

  it('keeps history per container with the sampler\'s own percentile rule', () => {
    const fake = new FakeConsole();
    expect(fake.history('/web')).toBeUndefined();
    for (let i = 0; i < 10; i++) fake.tick();
    const h = fake.history('/web/backend');
    expect(h?.cpuPercent).toHaveLength(10);
    expect(h?.memoryUsage).toHaveLength(10);
    expect(h?.cpuPercentiles).toEqual(percentiles(h?.cpuPercent ?? []));
    expect(h?.cpuPercentiles).not.toEqual(percentiles([]));
    expect(fake.recentCpu('/web/backend', 3)).toEqual(h?.cpuPercent.slice(-3));
  });

  it('reports an OOM kill every 15 passes in /batch/job-1', () => {
    const fake = new FakeConsole();
    const kills = Array.from({ length: 30 }, () => fake.tick().containers.find((c) => c.name === '/batch/job-1')?.rates.oomKillsDelta);
    expect(kills.filter((k) => k === 1)).toHaveLength(2);
    expect(kills[14]).toBe(1);
  });

  it('starts no timer without autoTick', () => {
    vi.useFakeTimers();
    const fake = new FakeConsole();
    const stop = fake.subscribe(() => undefined);
    expect(vi.getTimerCount()).toBe(0);
    stop();
  });

  it('ticks while someone listens and stops when the last one leaves', () => {
    vi.useFakeTimers();
    const fake = new FakeConsole({ autoTick: true, intervalMs: 500 });
    const seen: string[] = [];
    const stopA = fake.subscribe((v) => seen.push(v.timestamp));
    const stopB = fake.subscribe(() => undefined);
    expect(seen).toHaveLength(1);
    vi.advanceTimersByTime(1000);
    expect(seen).toHaveLength(3);
    fake.setIntervalMs(250);
    vi.advanceTimersByTime(500);
    expect(seen).toHaveLength(5);
    stopA();
    expect(vi.getTimerCount()).toBe(1);
    stopB();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('dispose stops the timer', () => {
    vi.useFakeTimers();
    const fake = new FakeConsole({ autoTick: true });
    fake.subscribe(() => undefined);
    fake.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });

  const names = (fake: FakeConsole) => fake.tick().containers.map((c) => c.name);
  const find = (fake: FakeConsole, name: string) => fake.tick().containers.find((c) => c.name === name);

  it('creates, updates (diff) and reads specs', async () => {
    const fake = new FakeConsole();
    expect(await fake.create('/web', 'db', 'memory { limit: 1048576 }')).toBe('/web/db');
    expect(names(fake)).toContain('/web/db');
    expect(find(fake, '/web/db')?.raw.limits.memoryLimit).toBe(1048576);
    await fake.update('/web/db', 'cpu { max_limit: 500 }');
    expect(await fake.specText('/web/db')).toBe(formatText('ContainerSpec', { cpu: { max_limit: 500 }, memory: { limit: 1048576 } }));
    expect(find(fake, '/web/db')?.raw.limits.cpuMaxMilli).toBe(500);
  });

  it.each([
    ['an existing name', () => new FakeConsole().create('/web', 'frontend', ''), Code.ALREADY_EXISTS],
    ['a missing parent', () => new FakeConsole().create('/nope', 'x', ''), Code.NOT_FOUND],
    ['a bad name', () => new FakeConsole().create('/', '-x', ''), Code.INVALID_ARGUMENT],
    ['a bad spec', () => new FakeConsole().create('/', 'x', 'cpu {'), Code.INVALID_ARGUMENT],
    ['destroying a parent without force', () => new FakeConsole().destroy('/web', false), Code.FAILED_PRECONDITION],
    ['destroying a busy leaf without force', () => new FakeConsole().destroy('/system', false), Code.FAILED_PRECONDITION],
    ['destroying the root', () => new FakeConsole().destroy('/', true), Code.FAILED_PRECONDITION],
    ['pausing a missing container', () => new FakeConsole().pause('/nope'), Code.NOT_FOUND],
  ])('refuses %s', async (_, call, code) => {
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LmctfyError);
    expect((error as LmctfyError).code).toBe(code);
  });

  it('pauses, resumes, runs, kills and destroys', async () => {
    const fake = new FakeConsole();
    await fake.pause('/web/backend');
    expect(find(fake, '/web/backend')?.state).toBe('FROZEN');
    await fake.resume('/web/backend');
    expect(find(fake, '/web/backend')?.state).toBe('THAWED');
    expect(await fake.run('/batch', 'sleep 1')).toBe(4000);
    expect(await fake.run('/batch', 'sleep 2')).toBe(4001);
    expect(find(fake, '/batch')?.raw.stats.pids?.current).toBe(2);
    expect((await fake.log('/batch')).text).toBe('[4000] sleep 1\n[4001] sleep 2\n');
    const [first] = (await fake.processes('/batch')).processes;
    await fake.signal('/batch', first.pid, 'TERM');
    expect(find(fake, '/batch')?.raw.stats.pids?.current).toBe(1);
    await fake.signal('/batch/job-1', 'all', 'KILL');
    expect(find(fake, '/batch/job-1')?.raw.stats.pids?.current).toBe(0);
    await fake.destroy('/batch', true);
    expect(names(fake).filter((n) => n.startsWith('/batch'))).toEqual([]);
  });

  it('validates spec text with the real codec', () => {
    const fake = new FakeConsole();
    expect(fake.validateSpec('cpu { limit: 1 }')).toBeUndefined();
    const problem = fake.validateSpec('cpu { limit: 1');
    expect(() => parseText('ContainerSpec', 'cpu { limit: 1')).toThrow(problem);
    expect(fake.validateSpec('cpu { nosuch: 1 }')).toMatch(/nosuch/);
  });
});
