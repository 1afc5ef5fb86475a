import { describe, expect, it } from 'vitest';
import { workingSetBytes } from '../../src/engine/sampling/index.js';

describe('workingSetBytes', () => {
  it.each([
    ['usage minus inactive_file', 1000, 400, 600],
    ['floored at 0', 100, 400, 0],
    ['all of it inactive', 400, 400, 0],
    ['unknown without inactive_file, not usage', 1000, undefined, undefined],
    ['unknown without usage', undefined, 5, undefined],
  ])('%s', (_, usage, inactive, want) => {
    expect(workingSetBytes(usage, inactive)).toBe(want);
  });
});
