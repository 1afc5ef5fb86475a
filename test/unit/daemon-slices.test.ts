import { describe, expect, it } from 'vitest';
import { parseSliceReplies } from '../../src/daemon/slices.js';

describe('parseSliceReplies', () => {
  const table: Array<[string, string, Array<[number, number]>]> = [
    ['nothing', '', []],
    ['threads changed and slices', '12 3\n13 1400\n', [[12, 3], [13, 1400]]],
    ['a negative errno', '14 -3\n15 -1\n', [[14, -3], [15, -1]]],
    ['lines that are not replies are skipped', 'usage: x\n16 2\n17\n 18 1\n', [[16, 2]]],
  ];
  it.each(table)('%s', (_t, out, want) => {
    expect([...parseSliceReplies(out)]).toEqual(want);
  });
});
