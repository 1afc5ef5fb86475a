import type { Command } from 'commander';

/** top, serve and notify: registered once the console and exporters land. */
export function registerMonitor(_program: Command): void {}
