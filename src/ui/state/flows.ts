import { joinName } from '../../engine/names.js';
import type { FreezerState } from '../../messages/types.js';

/**
 * The action dialogs as data: a flow is a list of steps (a text prompt, a yes/no question
 * or a choice among options), each with its validation and the step after it, ending in
 * what the console does. The console's reducer walks them; nothing here draws or calls.
 */

/** The container an action applies to, as the table saw it when the key was pressed. */
export interface ActionTarget {
  name: string;
  /** Freezer state, corrected by what this console itself paused or resumed since the last sample. */
  state: FreezerState | undefined;
  childCount: number;
  tasks: number;
  /** The selected process, when the key was pressed in the process list. */
  process?: { pid: number; command: string };
}

/** The signals `K` offers, TERM first (the default). */
export const SIGNALS = ['TERM', 'KILL', 'HUP', 'INT', 'USR1', 'USR2'] as const;
export type SignalName = (typeof SIGNALS)[number];

/** A call on the container tree; the console runs it in the background and reports how it went. */
export type ActionCall =
  | { action: 'create'; parent: string; child: string; spec: string }
  | { action: 'update'; name: string; spec: string }
  | { action: 'pause'; name: string }
  | { action: 'resume'; name: string }
  | { action: 'run'; name: string; command: string }
  | { action: 'signal'; name: string; target: number | 'all'; signal: SignalName }
  | { action: 'destroy'; name: string; force: boolean }
  | { action: 'checkpoint'; name: string; dir: string; leaveRunning: boolean };

/** Where a flow ends: a background call, or the terminal handed to a command in the container. */
export type FlowEnd = { kind: 'call'; call: ActionCall } | { kind: 'handOver'; name: string; command: string };

/** What the steps have answered so far, by step id. */
export type Answers = Readonly<Record<string, string>>;

export interface FlowContext {
  target: ActionTarget;
  answers: Answers;
}

/** What the reducer lends the steps: the spec check (the codec, behind ConsoleActions). */
export interface FlowEnv {
  validateSpec(specText: string): string | undefined;
}

interface StepBase {
  id: string;
  /** Asked only when this holds (default: always). */
  when?: (c: FlowContext) => boolean;
  /** The id of the step after this one; undefined ends the flow. Default: the next in the list. */
  next?: (c: FlowContext) => string | undefined;
}

export type Step =
  | (StepBase & {
      kind: 'prompt';
      label: (c: FlowContext) => string;
      hint?: string;
      initial?: (c: FlowContext) => string;
      /** An error keeps the prompt open with the text, to be fixed. */
      validate?: (value: string, c: FlowContext, env: FlowEnv) => string | undefined;
    })
  | (StepBase & { kind: 'confirm'; question: (c: FlowContext) => string })
  | (StepBase & { kind: 'choose'; question: (c: FlowContext) => string; options: readonly string[] });

export interface Flow {
  /** A reason to refuse at once, before asking anything. */
  refuse?: (t: ActionTarget) => string | undefined;
  steps: readonly Step[];
  end: (c: FlowContext) => FlowEnd;
}

export type FlowName = 'create' | 'update' | 'pause' | 'run' | 'signal' | 'destroy' | 'shell' | 'checkpoint';

const call = (c: ActionCall): FlowEnd => ({ kind: 'call', call: c });

/** What `C` offers once the processes are saved: keep them running (the default), or end them and destroy the container. */
export const CHECKPOINT_AFTER = ['keeps running', 'stops and is destroyed'] as const;

const isFrozen = (t: ActionTarget) => t.state === 'FROZEN' || t.state === 'FREEZING';

export const FLOWS: Readonly<Record<FlowName, Flow>> = {
  create: {
    steps: [
      {
        kind: 'prompt',
        id: 'child',
        label: (c) => `New child of ${c.target.name}, name:`,
        validate: (child) => childNameProblem(child),
      },
      {
        kind: 'prompt',
        id: 'spec',
        label: (c) => `Spec for ${joinName(c.target.name, c.answers.child)}:`,
        hint: 'protobuf text, e.g. cpu { limit: 500 } memory { limit: 268435456 }; empty for defaults',
        validate: (spec, _c, env) => env.validateSpec(spec),
      },
    ],
    end: (c) => call({ action: 'create', parent: c.target.name, child: c.answers.child, spec: c.answers.spec }),
  },
  // Opened once the current spec has been read (answers.current, on one line).
  update: {
    steps: [
      {
        kind: 'prompt',
        id: 'spec',
        label: (c) => `Spec for ${c.target.name}:`,
        hint: 'diff: only the fields given change; Enter applies, Esc cancels',
        initial: (c) => c.answers.current ?? '',
        validate: (spec, _c, env) => env.validateSpec(spec),
      },
    ],
    end: (c) => call({ action: 'update', name: c.target.name, spec: c.answers.spec }),
  },
  // Resuming never asks; freezing a whole subtree (or the top of the tree) does.
  pause: {
    steps: [
      {
        kind: 'confirm',
        id: 'subtree',
        when: (c) => !isFrozen(c.target) && (c.target.name === '/' || c.target.childCount > 0),
        question: (c) =>
          c.target.name === '/'
            ? 'Pause / and with it every container in the tree?'
            : `Pause ${c.target.name} and its ${plural(c.target.childCount, 'child container')}?`,
      },
    ],
    end: (c) => call({ action: isFrozen(c.target) ? 'resume' : 'pause', name: c.target.name }),
  },
  run: {
    steps: [
      {
        kind: 'prompt',
        id: 'command',
        label: (c) => `Run in ${c.target.name}:`,
        hint: 'a shell command, run detached inside the container; its output goes to the log (l)',
        validate: (command) => (command.trim() === '' ? 'the command is empty' : undefined),
      },
    ],
    end: (c) => call({ action: 'run', name: c.target.name, command: c.answers.command }),
  },
  signal: {
    steps: [
      {
        kind: 'choose',
        id: 'signal',
        question: (c) => `Signal for ${signalTarget(c.target)}:`,
        options: SIGNALS,
      },
      {
        kind: 'confirm',
        id: 'sure',
        question: (c) => `Send SIG${c.answers.signal} to ${signalTarget(c.target)}?`,
      },
    ],
    end: (c) =>
      call({ action: 'signal', name: c.target.name, target: c.target.process?.pid ?? 'all', signal: c.answers.signal as SignalName }),
  },
  destroy: {
    refuse: (t) => (t.name === '/' ? 'the root container / cannot be destroyed' : undefined),
    steps: [
      {
        kind: 'confirm',
        id: 'sure',
        question: (c) => `Destroy ${c.target.name}?`,
        next: (c) => (c.target.childCount === 0 && c.target.tasks === 0 ? undefined : 'force'),
      },
      {
        kind: 'confirm',
        id: 'force',
        question: (c) => `${c.target.name} has ${contents(c.target)}. Destroy all of it?`,
      },
    ],
    end: (c) => call({ action: 'destroy', name: c.target.name, force: c.answers.force === 'yes' }),
  },
  shell: {
    steps: [
      {
        kind: 'prompt',
        id: 'command',
        label: (c) => `Command in ${c.target.name}:`,
        hint: 'runs with the terminal until it exits; empty for your shell ($SHELL, else /bin/sh)',
      },
    ],
    end: (c) => ({ kind: 'handOver', name: c.target.name, command: c.answers.command.trim() }),
  },
  checkpoint: {
    refuse: (t) => (t.name === '/' ? 'the root container / cannot be checkpointed' : undefined),
    steps: [
      {
        kind: 'prompt',
        id: 'dir',
        label: (c) => `Checkpoint ${c.target.name} into directory:`,
        hint: 'a new or empty directory; criu saves the processes, the spec (and a virtual host\'s files and network) there',
        validate: (dir) => (dir.trim() === '' ? 'the directory is empty' : undefined),
      },
      {
        kind: 'choose',
        id: 'after',
        question: (c) => `After the checkpoint, ${c.target.name}:`,
        options: CHECKPOINT_AFTER,
      },
    ],
    end: (c) => call({ action: 'checkpoint', name: c.target.name, dir: c.answers.dir.trim(), leaveRunning: c.answers.after === CHECKPOINT_AFTER[0] }),
  },
};

/** The first step to ask at or after `from` (by list order), skipping those whose `when` fails. */
export function firstAskedStep(flow: Flow, c: FlowContext, from: number): Step | undefined {
  for (let i = from; i < flow.steps.length; i++) {
    const step = flow.steps[i];
    if (step.when?.(c) ?? true) return step;
  }
  return undefined;
}

/** The step after `step` once it has been answered; undefined when the flow is done. */
export function stepAfter(flow: Flow, step: Step, c: FlowContext): Step | undefined {
  if (step.next) {
    const id = step.next(c);
    if (id === undefined) return undefined;
    const at = flow.steps.findIndex((s) => s.id === id);
    return at < 0 ? undefined : firstAskedStep(flow, c, at);
  }
  return firstAskedStep(flow, c, flow.steps.indexOf(step) + 1);
}

/** The UI's own check before asking for a spec; the engine checks the rest. */
export function childNameProblem(child: string): string | undefined {
  if (child === '') return 'the name is empty';
  if (child.includes('/')) return 'give one name component, without "/"';
  return undefined;
}

function signalTarget(t: ActionTarget): string {
  if (t.process) return `pid ${t.process.pid} (${t.process.command}) in ${t.name}`;
  if (t.tasks === 1) return `the one task in ${t.name}`;
  return t.tasks > 1 ? `all ${t.tasks} tasks in ${t.name}` : `all tasks in ${t.name}`;
}

function contents(t: ActionTarget): string {
  const parts: string[] = [];
  if (t.childCount > 0) parts.push(plural(t.childCount, 'child container'));
  if (t.tasks > 0) parts.push(plural(t.tasks, 'task'));
  return parts.join(' and ');
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}
