import { Box, Text } from 'ink';
import { paint, useColor } from '../view/theme.js';

/** Key and what it does; each line fits 80 columns, and the whole overlay 80×24. */
export const HELP_KEYS: ReadonlyArray<[string, string]> = [
  ['↑↓ j k', 'move; PgUp PgDn Home End: by a page, to the ends'],
  ['← →', 'collapse / expand (← on a leaf goes to the parent)'],
  ['Enter', 'detail: history, percentiles, latency, IO, spec, events'],
  ['P', 'processes (↑↓ choose, K signals the chosen one, Esc closes)'],
  ['l', 'log of detached commands, followed (↑↓ PgUp scroll back)'],
  ['/', 'filter by name (matches keep their ancestors); Esc clears'],
  ['s S', 'sort: name, CPU, memory, IO, tasks, OOM kills / reverse'],
  ['+ -', 'sampling interval longer / shorter (250 ms to 60 s)'],
  ['? q', 'this help, quit (also Ctrl+C)'],
];

export const HELP_ACTIONS: ReadonlyArray<[string, string]> = [
  ['c u', 'create a child (name, then spec) / update the spec (diff)'],
  ['p', 'pause / resume (asks first on / and on a parent)'],
  ['r x', 'run detached (output to l) / a shell or command, with the terminal'],
  ['K', 'signal all tasks: TERM (default), KILL, HUP, INT, USR1, USR2'],
  ['d', 'destroy (asks; twice with children or tasks; never /)'],
  ['C', 'checkpoint into a directory with criu (asks where, and what after)'],
];

/** In a replay, in place of the actions (which are off). */
export const HELP_REPLAY: ReadonlyArray<[string, string]> = [
  ['t T', 'a sample back / forward (or as many as + - set)'],
  ['+ -', 't T step more / fewer samples: 1, 2, 5, 10, 30, 60'],
  ['[ ] { }', 'a minute back / forward, an hour back / forward'],
  ['g', 'go to a time: 10m ago, 03:12, 2026-12-02 03:12'],
  ['n', 'the next action, event or decision of the journal'],
];

const KEY_WIDTH = 10;

/** The key list; any key closes it. */
export function HelpOverlay({ readOnly, replay = false }: { readOnly: boolean; replay?: boolean }) {
  const color = useColor();
  const line = ([keys, what]: [string, string]) => (
    <Text key={keys} wrap="truncate">
      {`  ${keys.padEnd(KEY_WIDTH)}${what}`}
    </Text>
  );
  return (
    <Box flexDirection="column">
      <Text {...paint(color, undefined, { bold: true })}>Keys</Text>
      {/* A replay's + and - are among its own keys: it does not sample. */}
      {(replay ? HELP_KEYS.filter(([keys]) => keys !== '+ -') : HELP_KEYS).map(line)}
      <Text {...paint(color, undefined, { bold: true })}>{replay ? 'Replay (actions are off)' : readOnly ? 'Actions (off: read-only)' : 'Actions'}</Text>
      {(replay ? HELP_REPLAY : HELP_ACTIONS).map(line)}
      <Text wrap="truncate">CPU%: 100% = one CPU; the detail panel also shows it against the cap.</Text>
      <Text wrap="truncate">Working set = usage − inactive file cache. Any key closes this help.</Text>
    </Box>
  );
}
