import { Box, Text } from 'ink';
import { paint, useColor } from '../view/theme.js';

const BROWSING: ReadonlyArray<[string, string]> = [
  ['↑ ↓  j k', 'move the selection'],
  ['PgUp PgDn Home End', 'move by a page, to the ends'],
  ['← →', 'collapse / expand (← on a leaf goes to the parent)'],
  ['Enter', 'detail panel: CPU and memory history, latency, spec, events'],
  ['P', 'process list of the selection (↑↓ choose, K signals one, Esc closes)'],
  ['l', "log: output of the selection's detached commands, followed (↑↓ PgUp scroll back)"],
  ['/', 'filter by name (substring, any case); matches keep their ancestors; Esc clears'],
  ['s S', 'sort siblings by name, CPU, memory, IO, tasks, OOM kills / reverse (the tree keeps its shape)'],
  ['+ -', 'longer / shorter sampling interval (250 ms to 60 s)'],
  ['?', 'this help'],
  ['q Ctrl+C', 'quit'],
];

const ACTIONS: ReadonlyArray<[string, string]> = [
  ['c', 'create a child of the selection (name, then spec text)'],
  ['u', 'update the spec (diff: only the fields set are applied)'],
  ['p', 'pause / resume (asks first for / and for containers with children)'],
  ['r', 'run a command inside, detached; its output goes to the log (l)'],
  ['x', 'run a shell (or a typed command) inside with the terminal; the console returns when it exits'],
  ['K', 'send a signal (TERM, KILL, HUP, INT, USR1, USR2) to all tasks, or in P to one process'],
  ['d', 'destroy (asks y/n; twice when it has children or tasks)'],
];

/** The key list; any key closes it. */
export function HelpOverlay({ readOnly }: { readOnly: boolean }) {
  const color = useColor();
  const line = ([keys, what]: [string, string]) => (
    <Text key={keys} wrap="truncate">
      {`  ${keys.padEnd(20)}${what}`}
    </Text>
  );
  return (
    <Box flexDirection="column">
      <Text {...paint(color, undefined, { bold: true })}>Keys</Text>
      {BROWSING.map(line)}
      <Text {...paint(color, undefined, { bold: true })}>{readOnly ? 'Actions (off: read-only)' : 'Actions'}</Text>
      {ACTIONS.map(line)}
      <Text wrap="truncate">CPU%: 100% = one CPU (a 4-CPU burner reads 400%); the detail panel also shows it against the cap.</Text>
      <Text wrap="truncate">Working set = usage − inactive file cache. Press any key to close.</Text>
    </Box>
  );
}
