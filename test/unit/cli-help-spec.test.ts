import { expect, it } from 'vitest';
import { containerSpecHelp } from '../../src/cli/spec-fields.js';

it('help spec: every line of the field reference fits 88 columns, its introduction too', () => {
  const lines = containerSpecHelp().split('\n');
  expect(lines[0]).toMatch(/^ContainerSpec fields/);
  expect(lines.filter((l) => l.length > 88)).toEqual([]);
});
