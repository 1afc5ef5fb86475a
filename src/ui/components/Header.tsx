import { Box, Text } from 'ink';
import type { SampleView } from '../../stats/model.js';
import { CLOCK_SLOT } from '../render/live-clock.js';
import { elideMiddle, formatBytes, formatBytesCompact, formatClock, formatCores, formatInterval } from '../view/format.js';
import type { BudgetGlance, ConsoleHeader } from '../source.js';
import { paint, useColor } from '../view/theme.js';
import { sortLabel, type SortKey } from '../view/tree.js';

/** The header's facts, as the source gives them. */
export type HeaderFacts = ConsoleHeader;

export interface HeaderProps {
  header: HeaderFacts;
  view: SampleView | undefined;
  intervalMs: number;
  sort: SortKey;
  /** The sort runs the other way (sortLabel). */
  reverse?: boolean;
  filter: string;
  /** Columns of the terminal: a long cgroup path is shortened in its middle to fit. */
  width?: number;
  /** The line writer draws the sample's time (render/live-clock.ts): the header holds its slot. */
  liveClock?: boolean;
}


/** Fewest characters of a cgroup path worth showing; with less room it is left out. */
const MIN_PATH = 12;

/**
 * The first line after the title: machine facts and what the tree's top is, to the
 * kernel (the delegated cgroup) as well as to lmctfy ("/").
 */
export function machineLine(header: HeaderFacts, width = Infinity): string {
  const facts = `  ${header.host}  ${header.cpus} CPUs  ${formatBytes(header.memoryBytes)} memory  cgroup ${header.cgroupMode}  root ${header.rootName}`;
  if (header.cgroupPath === undefined) return facts;
  const prefix = `${facts} = `;
  const room = width - TITLE.length - prefix.length;
  return room < MIN_PATH ? facts : `${prefix}${elideMiddle(header.cgroupPath, room)}`;
}

const TITLE = 'lmctfy top';

/** The budget in compact units, before the sort so it still fits at 80 columns: "admitted cpu 1.5/2 mem 256M/1.0G". */
export function budgetText(b: BudgetGlance): string {
  const cpu = (milli: number) => formatCores(milli / 1000);
  return `admitted cpu ${cpu(b.admitted.cpu)}/${cpu(b.allocatable.cpu)} mem ${formatBytesCompact(b.admitted.memory)}/${formatBytesCompact(b.allocatable.memory)}`;
}

/**
 * What the header shows of a pass besides its time: the container count, the budget and a
 * replay's moment. A pass that changes none of them (nor anything else) is drawn by
 * redrawing the clock alone (state/screen.ts quietPass).
 */
export function passFacts(header: HeaderFacts, view: SampleView | undefined): string {
  const budget = header.budget?.();
  return `${view?.containers.length ?? -1}\u0000${budget === undefined ? '' : budgetText(budget)}\u0000${header.replayTime?.() ?? ''}`;
}

/** Machine facts, sampling state and the CPU% convention, on two lines. */
export function Header({ header, view, intervalMs, sort, reverse = false, filter, width, liveClock = false }: HeaderProps) {
  const color = useColor();
  const budget = header.budget?.();
  const sample = view
    ? `sample ${liveClock ? CLOCK_SLOT : formatClock(view.timestamp)}  ${view.containers.length} container${view.containers.length === 1 ? '' : 's'}`
    : 'waiting for the first sample';
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text {...paint(color, undefined, { bold: true })}>{TITLE}</Text>
        {header.replayTime ? <Text {...paint(color, 'warn', { bold: true })}>{` REPLAY ${header.replayTime()}`}</Text> : ''}
        {machineLine(header, width)}
      </Text>
      <Text wrap="truncate">
        {`interval ${formatInterval(intervalMs)}  ${sample}`}
        {budget === undefined ? '' : `  ${budgetText(budget)}`}
        {`  sort ${sortLabel(sort, reverse)}`}
        {filter === '' ? '' : `  filter "${filter}"`}
        <Text {...paint(color, undefined, { dimColor: true })}>{'  CPU%: 100% = one CPU'}</Text>
      </Text>
    </Box>
  );
}
