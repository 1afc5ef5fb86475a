import { describe, expect, it } from 'vitest';
import { errnoName, signalNumber } from '../../src/engine/os-names.js';

describe('errno and signal names', () => {
  it.each([
    [2, 'ENOENT'],
    [13, 'EACCES'],
    [22, 'EINVAL'],
    [99999, 'errno 99999'],
  ])('errno %i is %s', (n, name) => expect(errnoName(n)).toBe(name));

  it.each([
    ['SIGKILL', 9],
    ['SIGTERM', 15],
    ['SIGINT', 2],
  ] as const)('%s is %i', (signal, n) => expect(signalNumber(signal)).toBe(n));

  it('an unknown signal name is 0', () => expect(signalNumber('SIGNOPE' as NodeJS.Signals)).toBe(0));
});
