/**
 * lmctfy's top-level commands in groups, in `lmctfy help`'s order: names only, no code, so
 * a bundle of some of the groups (scripts/build.mjs) still knows every command's name.
 * The group `help` lists every command, so it is last and a line naming it needs them all.
 */
export const COMMAND_GROUP_TABLE = [
  { key: 'lifecycle', names: ['init', 'create', 'update', 'destroy', 'pause', 'resume'] },
  { key: 'processes', names: ['run', 'enter', 'detect', 'killall'] },
  { key: 'inspect', names: ['list', 'spec', 'stats'] },
  { key: 'notify', names: ['notify'] },
  { key: 'events', names: ['events'] },
  { key: 'top', names: ['top'], longRunning: true },
  { key: 'serve', names: ['serve'], longRunning: true },
  { key: 'policy', names: ['policy'] },
  { key: 'daemon', names: ['daemon'], longRunning: true },
  { key: 'record', names: ['record'], longRunning: true },
  { key: 'rootfs', names: ['rootfs'] },
  { key: 'checkpoint', names: ['checkpoint', 'restore', 'migrate'] },
  { key: 'image', names: ['image'] },
  { key: 'help', names: ['help'] },
] as const satisfies readonly GroupInfo[];

export interface GroupInfo {
  key: string;
  names: readonly string[];
  /** Its commands run until stopped: their young generation is kept small (young-generation.ts). */
  longRunning?: boolean;
}

export type GroupKey = (typeof COMMAND_GROUP_TABLE)[number]['key'];

/** The group of every command with its names (the table's types widened for callers). */
export const GROUPS: readonly (GroupInfo & { key: GroupKey })[] = COMMAND_GROUP_TABLE;
