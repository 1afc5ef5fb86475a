import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { startConsole } from './harness.js';
import { KEY, press, resize, screen } from './helpers.js';
import { container, sampleView } from './views.js';

afterEach(cleanup);

const MiB = 1024 ** 2;
const VIEW = sampleView([
  container('/', { cpu: 50, memory: 500 * MiB, tasks: 40, oomKills: 1100 }),
  container('/web', { cpu: 20, memory: 100 * MiB, memoryLimit: 200 * MiB, tasks: 3, ioRead: 0, ioWrite: 10 * MiB, ioReadOps: 0, ioWriteOps: 20 }),
  container('/web/front', { cpu: 12_800, memory: 90 * MiB, tasks: 123_456 }),
  container('/batch', { cpu: 5, tasks: 1 }),
]);

async function consoleAt(columns: number, rows: number) {
  const started = await startConsole(VIEW);
  started.source.histories.set('/', { cpuPercent: [1, 5, 20, 50, 40, 30], memoryUsage: [1e8, 2e8, 3e8, 5e8, 4e8, 5e8] });
  await resize(started.r, columns, rows);
  return started;
}

function lines(r: Parameters<typeof screen>[0]): string[] {
  return screen(r).split('\n');
}

describe.each([
  [80, 24],
  [200, 50],
])('%s × %s', (columns, rows) => {
  it('fits the terminal, the table and the detail panel alike', async () => {
    const { r } = await consoleAt(columns, rows);
    await press(r, KEY.enter);
    const out = lines(r);
    expect(out.length).toBeLessThanOrEqual(rows);
    for (const line of out) expect(line.length, line).toBeLessThanOrEqual(columns);
    expect(screen(r)).toContain('Percentiles p50 / p90 / p99');
    expect(screen(r)).toMatch(/^Memory usage/m);
  });

  it('cuts no number in the table', async () => {
    const { r } = await consoleAt(columns, rows);
    const table = lines(r).slice(2, 7).join('\n');
    expect(table).toMatch(/\/ .* 1100\s*/);
    expect(table).toMatch(/front .*12800%.*123k/);
    expect(table).not.toMatch(/\d…/);
  });
});

it('shows IO in the table only where it fits, and in the detail panel always', async () => {
  const { r } = await consoleAt(200, 50);
  expect(lines(r).find((l) => l.includes('NAME'))).toMatch(/IO R\/s IO W\/s/);
  expect(lines(r).find((l) => l.includes(' web '))).toMatch(/ 0 +10M /);
  await resize(r, 80, 24);
  expect(screen(r)).not.toContain('IO W/s');
  await press(r, KEY.down, KEY.down, KEY.enter);
  expect(screen(r)).toContain('write 10.0 MiB/s  20 IOPS');
});

it('draws a memory usage that barely moves against 0, each axis label distinct', async () => {
  const started = await startConsole(VIEW);
  started.source.histories.set('/', { cpuPercent: [1, 2, 3], memoryUsage: [19.7 * MiB, 19.75 * MiB, 19.7 * MiB, 19.65 * MiB] });
  await resize(started.r, 80, 24);
  await press(started.r, KEY.enter);
  const out = lines(started.r);
  const chart = out.slice(out.findIndex((l) => l.startsWith('Memory usage')) + 1);
  const labels = chart.map((l) => /^\s*([\d.]+ [KMG]?i?B) [┼┤]/.exec(l)?.[1]).filter((l) => l !== undefined);
  expect(labels.length).toBeGreaterThan(2);
  expect(new Set(labels).size).toBe(labels.length);
  expect(labels.at(-1)).toBe('0 B');
});
