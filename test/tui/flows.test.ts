import { describe, expect, it } from 'vitest';
import { FLOWS, firstAskedStep, stepAfter, type ActionTarget, type Answers, type FlowName } from '../../src/ui/state/flows.js';

/** The action dialogs as data: which steps each flow asks, in which order, and where it ends. */

const target = (t: Partial<ActionTarget> = {}): ActionTarget => ({ name: '/a', state: 'THAWED', childCount: 0, tasks: 0, ...t });

/** The step ids a flow asks, answering each from `answers`, and where it ends. */
function walk(flow: FlowName, t: ActionTarget, answers: Answers) {
  const f = FLOWS[flow];
  const asked: string[] = [];
  const c = { target: t, answers: {} as Record<string, string> };
  for (let step = firstAskedStep(f, c, 0); step; step = stepAfter(f, step, c)) {
    asked.push(step.id);
    c.answers[step.id] = answers[step.id];
  }
  return { asked, end: f.end(c) };
}

describe('flows', () => {
  it.each<[string, FlowName, ActionTarget, Answers, string[], unknown]>([
    ['create', 'create', target(), { child: 'j', spec: '' }, ['child', 'spec'], { kind: 'call', call: { action: 'create', parent: '/a', child: 'j', spec: '' } }],
    ['pause a leaf', 'pause', target(), {}, [], { kind: 'call', call: { action: 'pause', name: '/a' } }],
    ['pause a parent', 'pause', target({ childCount: 2 }), { subtree: 'yes' }, ['subtree'], { kind: 'call', call: { action: 'pause', name: '/a' } }],
    ['pause /', 'pause', target({ name: '/' }), { subtree: 'yes' }, ['subtree'], { kind: 'call', call: { action: 'pause', name: '/' } }],
    ['resume a frozen parent', 'pause', target({ childCount: 2, state: 'FROZEN' }), {}, [], { kind: 'call', call: { action: 'resume', name: '/a' } }],
    ['resume a freezing one', 'pause', target({ state: 'FREEZING' }), {}, [], { kind: 'call', call: { action: 'resume', name: '/a' } }],
    ['destroy an empty one', 'destroy', target(), { sure: 'yes' }, ['sure'], { kind: 'call', call: { action: 'destroy', name: '/a', force: false } }],
    ['destroy a busy one', 'destroy', target({ tasks: 1 }), { sure: 'yes', force: 'yes' }, ['sure', 'force'], { kind: 'call', call: { action: 'destroy', name: '/a', force: true } }],
    ['signal all', 'signal', target({ tasks: 3 }), { signal: 'HUP', sure: 'yes' }, ['signal', 'sure'], { kind: 'call', call: { action: 'signal', name: '/a', target: 'all', signal: 'HUP' } }],
    ['signal one', 'signal', target({ process: { pid: 9, command: 'x' } }), { signal: 'TERM', sure: 'yes' }, ['signal', 'sure'], { kind: 'call', call: { action: 'signal', name: '/a', target: 9, signal: 'TERM' } }],
    ['shell', 'shell', target(), { command: '  ' }, ['command'], { kind: 'handOver', name: '/a', command: '' }],
  ])('%s', (_, flow, t, answers, asked, end) => {
    expect(walk(flow, t, answers)).toEqual({ asked, end });
  });

  it.each([
    ['/', 'the root container / cannot be destroyed'],
    ['/a', undefined],
  ])('destroy %s refused: %s', (name, reason) => {
    expect(FLOWS.destroy.refuse?.(target({ name }))).toBe(reason);
  });

  it.each<[ActionTarget, string]>([
    [target({ tasks: 3 }), 'Send SIGTERM to all 3 tasks in /a?'],
    [target({ tasks: 1 }), 'Send SIGTERM to the one task in /a?'],
    [target(), 'Send SIGTERM to all tasks in /a?'],
    [target({ process: { pid: 9, command: 'sleep 5' } }), 'Send SIGTERM to pid 9 (sleep 5) in /a?'],
  ])('the signal question names its target %#', (t, question) => {
    const step = FLOWS.signal.steps[1];
    expect(step.kind === 'confirm' && step.question({ target: t, answers: { signal: 'TERM' } })).toBe(question);
  });

  it('the choice of signals starts with TERM', () => {
    const step = FLOWS.signal.steps[0];
    expect(step.kind === 'choose' && step.options).toEqual(['TERM', 'KILL', 'HUP', 'INT', 'USR1', 'USR2']);
  });
});
