import type { Command } from 'commander';
import { Code, LmctfyError } from '../../engine/errors.js';
import type { PolicyReport } from '../../engine/admission.js';
import { openApi } from '../context.js';
import { formatRows, stdout, styleOf, type Row } from '../output.js';
import { readSpec } from '../spec-input.js';
import type { PolicySpec } from '../../messages/types.js';
import { writeMessage } from './inspect.js';
import { NamedOption, flagsOf, subcommand, type CommandFlags } from './options.js';

/**
 * One row for the machine (capacity, reserve, allocatable), then one per tier (admitted
 * guarantees at the machine's scope and the headroom left to one more container of it).
 * Amounts in the spec's units: CPU milliseconds per second, bytes.
 */
export function policyRows(r: PolicyReport): Row[] {
  const b = r.budget;
  const rows: Row[] = [
    {
      scope: 'machine',
      capacity_cpu: b.capacity.cpu,
      capacity_memory: b.capacity.memory,
      reserve_cpu: b.reserve.cpu,
      reserve_memory: b.reserve.memory,
      allocatable_cpu: b.allocatable.cpu,
      allocatable_memory: b.allocatable.memory,
    },
  ];
  for (const t of r.tiers) {
    rows.push({
      scope: t.tier,
      overcommit_percent: b.overcommit[t.tier],
      containers: t.containers,
      admitted_cpu: t.admitted.cpu,
      admitted_memory: t.admitted.memory,
      headroom_cpu: t.headroom.cpu,
      headroom_memory: t.headroom.memory,
    });
  }
  return rows;
}

/** lmctfy policy: the machine policy of this lmctfy root (docs/POLICY.md). */
export function registerPolicy(program: Command): void {
  const policy = program.command('policy').description('the machine policy of this lmctfy root: capacity, reserve, overcommit per tier (docs/POLICY.md)');

  subcommand(policy, 'show', 'capacity, reserve and, per tier, the admitted guarantees and the headroom left', { rows: true }).action(async (_o, cmd: Command) => {
    const f = flagsOf<CommandFlags>(cmd);
    const report = openApi(f).policy();
    if (report === undefined) throw new LmctfyError(Code.NOT_FOUND, 'no machine policy is set for this root (lmctfy policy set SPEC)');
    stdout.write(formatRows(policyRows(report), styleOf(f)));
  });

  subcommand(policy, 'spec', 'print the PolicySpec as set (text; -b binary, --json)')
    .addOption(new NamedOption('-b', 'binary protobuf output', 'binary'))
    .action(async (_o, cmd: Command) => {
      const f = flagsOf<CommandFlags & { binary?: boolean }>(cmd);
      const report = openApi(f).policy();
      if (report === undefined) throw new LmctfyError(Code.NOT_FOUND, 'no machine policy is set for this root (lmctfy policy set SPEC)');
      await writeMessage('PolicySpec', report.spec, f);
    });

  subcommand(policy, 'set', 'set the policy; refused when what is already admitted would not fit, unless --force')
    .argument('[spec]', 'PolicySpec in text format (e.g. capacity:{cpu:1000 memory:1073741824}) or JSON; "" = the kernel\'s capacity, no reserve, no overcommit')
    .addOption(new NamedOption('-c <file>', 'read the PolicySpec from a file (text, JSON or binary)', 'specFile'))
    .addOption(new NamedOption('--force', 'set it even when admitted containers would not fit (they keep running; new ones wait for room)', 'force'))
    .action(async (spec: string | undefined, _o, cmd: Command) => {
      const f = flagsOf<CommandFlags & { specFile?: string; force?: boolean }>(cmd);
      const parsed = await readSpec<PolicySpec>('PolicySpec', spec, f.specFile);
      await openApi(f).setPolicy(parsed, { force: f.force ?? false });
    });

  subcommand(policy, 'clear', 'remove the policy: admission stops').action(async (_o, cmd: Command) => {
    await openApi(flagsOf(cmd)).clearPolicy();
  });
}
