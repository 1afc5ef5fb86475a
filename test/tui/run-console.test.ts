import { afterEach, expect, it } from 'vitest';
import { Code } from '../../src/engine/errors.js';
import { runConsole } from '../../src/ui/index.js';
import { FakeConsole } from '../support/fake-console.js';

const original = Object.getOwnPropertyDescriptor(process.stdin, 'isTTY');

afterEach(() => {
  if (original) Object.defineProperty(process.stdin, 'isTTY', original);
  else delete (process.stdin as { isTTY?: boolean }).isTTY;
});

it('refuses to start without a terminal on stdin, before drawing anything', async () => {
  Object.defineProperty(process.stdin, 'isTTY', { value: false, configurable: true });
  const fake = new FakeConsole({ autoTick: true });
  await expect(runConsole({ source: fake, actions: fake, readOnly: true })).rejects.toMatchObject({
    code: Code.FAILED_PRECONDITION,
    message: expect.stringContaining('needs a terminal'),
  });
  fake.dispose();
});
