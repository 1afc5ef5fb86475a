import { useRef, useState } from 'react';
import { asLmctfyError } from '../../engine/errors.js';
import { joinName } from '../../engine/names.js';
import type { FreezerState } from '../../messages/types.js';
import type { ConsoleEvent } from '../view/events.js';
import type { ActionCommand } from '../view/keys.js';
import type { ConsoleActions } from '../source.js';
import { specToOneLine } from '../view/spec-line.js';
import type { Status } from '../components/StatusLine.js';
import { parentOf } from '../view/tree.js';

/** How long the console trusts its own pause/resume over a sample that has not caught up. */
const ASSUMED_STATE_MS = 10_000;

/** The container an action applies to, as the table saw it when the key was pressed. */
export interface ActionTarget {
  name: string;
  state: FreezerState | undefined;
  childCount: number;
  tasks: number;
}

/** The open question, if any. `submit` returns an error to show while the prompt stays open. */
export type Dialog =
  | {
      kind: 'prompt';
      id: number;
      label: string;
      initial: string;
      hint?: string;
      error?: string;
      submit: (value: string) => string | undefined;
    }
  | { kind: 'confirm'; id: number; question: string; yes: () => void };

export interface ActionFlowOptions {
  actions: ConsoleActions;
  report: (status: Status) => void;
  logEvent: (name: string, event: ConsoleEvent) => void;
  /** A container was created; the app selects it once it shows up in a pass. */
  onCreated: (name: string) => void;
  /** An action succeeded; cached container state (the spec) should be read again. */
  onChanged: () => void;
}

export interface ActionFlows {
  dialog: Dialog | undefined;
  begin: (command: ActionCommand, target: ActionTarget) => void;
  submit: (value: string) => void;
  confirm: () => void;
  cancel: () => void;
}

/**
 * The dialogs behind the action keys and the calls they end in. Calls run in the
 * background: the status line says what is pending and then how it went.
 */
export function useActionFlows(options: ActionFlowOptions): ActionFlows {
  const { actions, report, logEvent, onCreated, onChanged } = options;
  const [dialog, setDialog] = useState<Dialog>();
  const nextId = useRef(0);
  // What this console last paused or resumed, until a sample shows it: a second `p`
  // pressed before the next sample must toggle back, not repeat the first action.
  const assumed = useRef(new Map<string, { state: FreezerState; at: number }>());

  const prompt = (label: string, submit: (value: string) => string | undefined, initial = '', hint?: string): Dialog => ({
    kind: 'prompt',
    id: ++nextId.current,
    label,
    initial,
    hint,
    submit,
  });
  const question = (text: string, yes: () => void): Dialog => ({ kind: 'confirm', id: ++nextId.current, question: text, yes });
  const close = () => setDialog(undefined);

  const perform = <T,>(step: { pending: string; logName: string; call: () => Promise<T>; done: (result: T) => string }) => {
    report({ text: step.pending });
    const log = (text: string, tone: ConsoleEvent['tone']) => {
      report({ text, tone });
      logEvent(step.logName, { time: new Date().toISOString(), text, tone });
    };
    Promise.resolve()
      .then(step.call)
      .then(
        (result) => {
          log(step.done(result), 'ok');
          onChanged();
        },
        (e: unknown) => log(asLmctfyError(e).describe(), 'error'),
      );
  };

  const validate = (specText: string): string | undefined => {
    try {
      return actions.validateSpec(specText);
    } catch (e) {
      return asLmctfyError(e).describe();
    }
  };

  const flows: Record<ActionCommand, (t: ActionTarget) => void> = {
    create: (t) =>
      setDialog(
        prompt(`New child of ${t.name}, name:`, (child) => {
          const problem = childNameProblem(child);
          if (problem) return problem;
          const full = joinName(t.name, child);
          setDialog(
            prompt(
              `Spec for ${full}:`,
              (specText) => {
                const invalid = validate(specText);
                if (invalid) return invalid;
                close();
                perform({
                  pending: `creating ${full}…`,
                  logName: t.name,
                  call: () => actions.create(t.name, child, specText),
                  done: (name) => {
                    onCreated(name);
                    return `created ${name}`;
                  },
                });
                return undefined;
              },
              '',
              'protobuf text, e.g. cpu { limit: 500 } memory { limit: 268435456 }; empty for defaults',
            ),
          );
          return undefined;
        }),
      ),
    update: (t) => {
      report({ text: `reading the spec of ${t.name}…` });
      Promise.resolve()
        .then(() => actions.specText(t.name))
        .then(
          (text) => {
            const editor = prompt(
              `Spec for ${t.name}:`,
              (specText) => {
                const invalid = validate(specText);
                if (invalid) return invalid;
                close();
                perform({
                  pending: `updating ${t.name}…`,
                  logName: t.name,
                  call: () => actions.update(t.name, specText),
                  done: () => `updated ${t.name}`,
                });
                return undefined;
              },
              specToOneLine(text),
              'diff: only the fields given change; Enter applies, Esc cancels',
            );
            // A dialog opened while the spec was read keeps the screen.
            setDialog((open) => open ?? editor);
            report({ text: `editing the spec of ${t.name}` });
          },
          (e: unknown) => report({ text: asLmctfyError(e).describe(), tone: 'error' }),
        );
    },
    pause: (t) => {
      const mine = assumed.current.get(t.name);
      const state = mine && mine.state !== t.state && Date.now() - mine.at < ASSUMED_STATE_MS ? mine.state : t.state;
      const remember = (next: FreezerState) => assumed.current.set(t.name, { state: next, at: Date.now() });
      if (state === 'FROZEN' || state === 'FREEZING') {
        perform({ pending: `resuming ${t.name}…`, logName: t.name, call: () => actions.resume(t.name).then(() => remember('THAWED')), done: () => `resumed ${t.name}` });
      } else {
        perform({ pending: `pausing ${t.name}…`, logName: t.name, call: () => actions.pause(t.name).then(() => remember('FROZEN')), done: () => `paused ${t.name}` });
      }
    },
    run: (t) =>
      setDialog(
        prompt(`Run in ${t.name}:`, (command) => {
          if (command.trim() === '') return 'the command is empty';
          close();
          perform({
            pending: `starting \`${command}\` in ${t.name}…`,
            logName: t.name,
            call: () => actions.run(t.name, command),
            done: (pid) => `started pid ${pid} in ${t.name}: ${command}`,
          });
          return undefined;
        }, '', 'a shell command, run detached inside the container'),
      ),
    kill: (t) =>
      setDialog(
        question(`Kill all tasks in ${t.name}?`, () => {
          close();
          perform({ pending: `killing tasks in ${t.name}…`, logName: t.name, call: () => actions.killAll(t.name), done: () => `killed all tasks in ${t.name}` });
        }),
      ),
    destroy: (t) => {
      const destroy = (force: boolean) => {
        close();
        perform({
          pending: `destroying ${t.name}…`,
          logName: parentOf(t.name) ?? t.name,
          call: () => actions.destroy(t.name, force),
          done: () => `destroyed ${t.name}`,
        });
      };
      setDialog(
        question(`Destroy ${t.name}?`, () => {
          if (t.childCount === 0 && t.tasks === 0) destroy(false);
          else setDialog(question(`${t.name} has ${contents(t)}. Destroy all of it?`, () => destroy(true)));
        }),
      );
    },
  };

  const begin = (command: ActionCommand, target: ActionTarget) => flows[command](target);
  const submit = (value: string) => {
    if (dialog?.kind !== 'prompt') return;
    const error = dialog.submit(value);
    if (error !== undefined) setDialog({ ...dialog, error });
  };
  const confirm = () => {
    if (dialog?.kind === 'confirm') dialog.yes();
  };
  const cancel = () => {
    setDialog(undefined);
    report({ text: 'cancelled' });
  };

  return { dialog, begin, submit, confirm, cancel };
}

/** The UI's own check before asking for a spec; the engine checks the rest. */
export function childNameProblem(child: string): string | undefined {
  if (child === '') return 'the name is empty';
  if (child.includes('/')) return 'give one name component, without "/"';
  return undefined;
}

function contents(t: ActionTarget): string {
  const parts: string[] = [];
  if (t.childCount > 0) parts.push(`${t.childCount} child container${t.childCount === 1 ? '' : 's'}`);
  if (t.tasks > 0) parts.push(`${t.tasks} task${t.tasks === 1 ? '' : 's'}`);
  return parts.join(' and ');
}
