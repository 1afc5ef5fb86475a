import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCgroups, testRoot } from '../helpers/cgroups.js';
import { PtySession } from '../helpers/pty.js';
import { ContainerApi } from '../../src/engine/container-api.js';

// The interactive console is an ES module of its own beside the CommonJS CLI bundle
// (src/cli/console-bridge.ts): an error it throws still exits with its canonical code.
describeCgroups('lmctfy top in a terminal, an error in the console module', () => {
  const t = testRoot('tui-bridge');
  beforeAll(async () => {
    await ContainerApi.init({}, { root: t.root });
  });
  afterAll(async () => {
    await t.cleanup();
  });

  it('a container that does not exist: NOT_FOUND (5) and its message, not INTERNAL', async () => {
    const top = new PtySession(['top', '/absent'], { LMCTFY_ROOT: t.root });
    await top.waitFor(/NOT_FOUND: container \/absent does not exist/);
    const deadline = Date.now() + 10_000;
    while (top.exitCode === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(top.exitCode).toBe(5);
  });
});
