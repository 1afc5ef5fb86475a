import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY, PtySession } from '../helpers/pty.js';
import { StoreWriter } from '../../src/record/store.js';
import { parseRetention } from '../../src/record/retention.js';

/**
 * lmctfy top --replay in a real terminal of 80×24, over a store made here: two hours at
 * 1 Hz in which /web's memory grows a MiB a minute, and an OOM event of /web at 04:29:59.5.
 * The console's clock is the terminal's local time: TZ=UTC makes it the recorded one.
 */
const T0 = Date.UTC(2026, 11, 2, 3, 0, 0);
const SECONDS = 7200;
const MiB = 1 << 20;

function writeStore(dir: string): void {
  let now = T0;
  const w = new StoreWriter(dir, { root: '/r', container: '/', intervalMs: 1000, retention: parseRetention('30d'), now: () => now });
  for (let s = 0; s < SECONDS; s++) {
    now = T0 + s * 1000;
    w.writeSample({
      timestamp: new Date(now).toISOString(),
      monoNs: s * 1e9,
      containers: [
        { name: '/', id: 1, stats: { cpu: { usage: { total: s * 2e8 } }, memory: { usage: 1 << 30 } }, limits: {} },
        { name: '/web', id: 2, stats: { cpu: { usage: { total: s * 1e8 } }, memory: { usage: (1 + Math.floor(s / 60)) * MiB } }, limits: {} },
      ],
    });
    if (s === 5400) w.writeJournal([{ time: now - 500, kind: 'event', what: 'oom', container: '/web' }]);
  }
  w.close();
}

describe('lmctfy top --replay in a real terminal', () => {
  let dir: string;
  let top: PtySession;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-replay-pty-'));
    writeStore(dir);
    top = new PtySession(['top', '--replay', dir], { TZ: 'UTC' }, 80, 24);
    await top.waitFor(/REPLAY 2026-12-02 04:59:59/);
  });
  afterAll(async () => {
    await top?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The header's recorded time and /web's memory as the table shows them. */
  const shown = (time: string, webMemory: string) => top.waitFor(new RegExp(`REPLAY ${time}[\\s\\S]*web .* ${webMemory.replace('.', '\\.')}/-`));

  it('starts at the last sample, with the numbers recorded then', async () => {
    await shown('2026-12-02 04:59:59', '120 MiB');
  });

  it('t and T step a sample back and forth, and say where', async () => {
    await top.keys('t');
    await top.waitFor(/2026-12-02 04:59:58 \(sample 7199 of 7200\)/);
    await top.keys('T');
    await top.waitFor(/2026-12-02 04:59:59 \(sample 7200 of 7200\)/);
    await top.keys('T');
    await top.waitFor(/the last sample of the recording/);
  });

  it('[ and { jump a minute and an hour back, ] and } forward', async () => {
    await top.keys('[');
    await shown('2026-12-02 04:58:59', '119 MiB');
    await top.keys('{');
    await shown('2026-12-02 03:58:59', '59.0 MiB');
    await top.keys('}', ']');
    await shown('2026-12-02 04:59:59', '120 MiB');
  });

  it('g goes to a time typed in', async () => {
    await top.keys('g');
    await top.type('2026-12-02 03:30');
    await top.keys(KEY.enter);
    await shown('2026-12-02 03:30:00', '31.0 MiB');
  });

  it('n goes to the next journal record and says what it was', async () => {
    await top.keys('n');
    await top.waitFor(/event oom \/web — 2026-12-02 04:30:00 \(sample 5401 of 7200\)/);
    await shown('2026-12-02 04:30:00', '91.0 MiB');
    await top.keys('n');
    await top.waitFor(/no journal record after 2026-12-02 04:30:00/);
  });

  it('+ makes t and T step more samples, - fewer, and help says so', async () => {
    await top.keys('+', '+');
    await top.waitFor(/replay: t T step 5 samples \(5 s as recorded\)/);
    await top.keys('T');
    await top.waitFor(/2026-12-02 04:30:05 \(sample 5406 of 7200\)/);
    await top.keys('-', 't');
    await top.waitFor(/2026-12-02 04:30:03 \(sample 5404 of 7200\)/);
    await top.keys('?');
    const help = await top.waitFor(/Replay \(actions are off\)/);
    expect(help).toContain('t T step more / fewer samples');
    expect(help).not.toContain('sampling interval longer / shorter');
    await top.keys(KEY.esc);
  });

  it('actions are off and say why', async () => {
    await top.keys('d');
    await top.waitFor(/replay: destroy is disabled/);
  });
});
