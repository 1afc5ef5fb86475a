import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ENTRY_OPTION, PORTABLE, launcherText, nodeOnPath, shebangFor } from '../../scripts/write-launcher.mjs';

// scripts/write-launcher.mjs: bin/lmctfy, the command npm installs, is bin/lmctfy.js with the
// #! line naming the node env would find, so a command does not start /usr/bin/env first.
describe('the launcher of the installed command', () => {
  it.each<[string, string | undefined, string]>([
    ['an absolute path', '/usr/bin/node', '#!/usr/bin/node'],
    ['none found: env searches at each start', undefined, PORTABLE],
    ['a relative path', 'bin/node', PORTABLE],
    ['a space (a #! line would split it)', '/opt/my node/bin/node', PORTABLE],
    ['a tab', '/opt/a\tb/node', PORTABLE],
    ['longer than an older kernel reads of a #! line (128 bytes)', `/${'d'.repeat(130)}/node`, PORTABLE],
    ['the longest that fits', `/${'d'.repeat(119)}/node`, `#!/${'d'.repeat(119)}/node`],
  ])('%s', (_what, node, line) => {
    expect(shebangFor(node)).toBe(line);
  });

  // The native launcher's entry: the option on the line where it fits, else the line without it.
  it.each<[string, string | undefined, string]>([
    ['an absolute path', '/usr/bin/node', `#!/usr/bin/node ${ENTRY_OPTION}`],
    ['none found', undefined, PORTABLE],
    ['too long a line with the option, not without', `/${'d'.repeat(100)}/node`, `#!/${'d'.repeat(100)}/node`],
    ['the longest line that holds the option', `/${'d'.repeat(119 - ENTRY_OPTION.length - 1)}/node`, `#!/${'d'.repeat(119 - ENTRY_OPTION.length - 1)}/node ${ENTRY_OPTION}`],
  ])('with an option, %s', (_what, node, line) => {
    expect(shebangFor(node, ENTRY_OPTION)).toBe(line);
    expect(line.length).toBeLessThanOrEqual(127);
  });

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-launcher-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const dir = (name: string, node?: { mode: number } | 'dir') => {
    const d = path.join(tmp, name);
    fs.mkdirSync(d, { recursive: true });
    if (node === 'dir') fs.mkdirSync(path.join(d, 'node'));
    else if (node) fs.writeFileSync(path.join(d, 'node'), '', { mode: node.mode });
    return d;
  };

  it('finds node as env does: the first executable file in the absolute directories of PATH', () => {
    const none = dir('none');
    const notExecutable = dir('plain', { mode: 0o644 });
    const aDirectory = dir('isdir', 'dir');
    const found = dir('found', { mode: 0o755 });
    const later = dir('later', { mode: 0o755 });
    expect(nodeOnPath([none, notExecutable, aDirectory, 'found', found, later].join(':'))).toBe(path.join(found, 'node'));
    expect(nodeOnPath([none, notExecutable].join(':'))).toBeUndefined();
    expect(nodeOnPath('')).toBeUndefined();
  });

  it('replaces only the first line', () => {
    expect(launcherText('#!/usr/bin/env node\n// a\nrun();\n', '#!/usr/bin/node')).toBe('#!/usr/bin/node\n// a\nrun();\n');
    expect(() => launcherText("'use strict';\n", '#!/usr/bin/node')).toThrow(/#! line/);
  });
});
