import { Box } from 'ink';
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { Choice } from '../../src/ui/components/Choice.js';
import { Confirm } from '../../src/ui/components/Confirm.js';
import { Prompt } from '../../src/ui/components/Prompt.js';
import { SIGNALS } from '../../src/ui/state/flows.js';
import { mount, screen } from './helpers.js';

afterEach(cleanup);

// A process's command line makes the signal questions as long as the command is.
const TARGET = 'pid 21017 (sh -c while :; do curl -s -o /dev/null http://127.0.0.1:18088/; sleep 0.05; done) in /web';

describe('dialogs at 80 columns keep what must be read (issue 12.3, 12.5)', () => {
  it('the signal chooser shows every signal, the chosen one marked, and the target\'s ends', () => {
    const r = mount(<Choice question={`Signal for ${TARGET}:`} options={SIGNALS} chosen={1} width={80} />);
    const [question] = screen(r).split('\n');
    expect(question!.length).toBeLessThanOrEqual(80);
    expect(question).toMatch(/^Signal for pid \d*….* in \/web: {2}TERM {2}\[KILL\] {2}HUP {3}INT {3}USR1 {3}USR2\s*$/);
  });

  it('a chooser whose question fits is drawn whole', () => {
    const r = mount(<Choice question="Signal for all 2 tasks in /busy:" options={SIGNALS} chosen={0} width={80} />);
    expect(screen(r)).toContain('Signal for all 2 tasks in /busy: [TERM]  KILL');
  });

  it('a long yes/no question keeps its [y/N]', () => {
    const r = mount(
      <Box width={80}>
        <Confirm question={`Send SIGTERM to ${TARGET}?`} />
      </Box>,
    );
    const line = screen(r);
    expect(line.length).toBeLessThanOrEqual(80);
    expect(line).toMatch(/^Send SIGTERM to pid 21017 .*….* in \/web\? \[y\/N\]$/);
  });

  it("a spec problem under the create prompt keeps where it is and what is wrong", () => {
    const error = 'ContainerSpec: line 1, column 15: memory.limit: expected an integer, found "bogus" (a long value)';
    const r = mount(<Prompt label="Spec for /kid:" field={{ value: 'memory:{limit:bogus}', cursor: 20 }} error={error} width={80} />);
    const problem = screen(r).split('\n')[1]!;
    expect(problem.length).toBeLessThanOrEqual(80);
    expect(problem).toMatch(/^ContainerSpec: line 1, column 15: .*….*found "bogus" \(a long value\)$/);
  });
});
