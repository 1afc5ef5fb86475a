import type { Command } from 'commander';
import { openApi } from '../context.js';
import { stdout } from '../output.js';
import { flagsOf, subcommand } from './options.js';

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

const DETAILS = `
Watches memory pressure of lmctfy's root, of each parent with a memory limit of its own
below the root's, of each container and of the machine (cgroup v1 usage thresholds and OOM
notifications, PSI triggers) and acts on it by the root's policy (PolicySpec.pressure,
lmctfy policy set): past the reclaim threshold it reclaims memory above their reservation
from the lowest tiers; past the eviction threshold it evicts whole containers, lowest tier
first, then lower eviction_priority, then most memory above reservation (kill their tasks
by default; freeze or destroy by policy), inside the parent that runs short. After the
kernel OOM-kills a task, the rest of its container goes too. When a PREMIER or PRIORITY
container waits for CPU (its cpu.pressure), its tasks get the shortest scheduler slice
(they preempt batch as they wake) and busy NORMAL containers are capped (CFS quota) to
their share of what the latency tiers leave; both are released
PolicySpec.pressure.cpu_release_ms after the last such wait. Exclusive CPUs of a
container removed without lmctfy destroy go back to the shared pool. Each decision is a
line here and a record in the root's journal. One daemon per root: a second is refused. Stopping or
killing the daemon leaves every container as it is (stopping it releases its CPU caps; a
daemon killed outright leaves them to the next, which releases them at start). See
docs/DAEMON.md.`;

/** `daemon`: the policy daemon in the foreground, one line (or NDJSON record) per decision. */
export function registerDaemon(program: Command): void {
  subcommand(program, 'daemon', 'enforce the machine policy under pressure: reclaim, then evict lowest tier first; cap NORMAL CPU while latency tiers wait; prints each decision')
    .addHelpText('after', DETAILS)
    .action(async (_o, cmd: Command) => {
      const f = flagsOf(cmd);
      const [{ PolicyDaemon }, { decisionLine }, { startContinuousStats }] = await Promise.all([
        import('../../daemon/daemon.js'),
        import('../../daemon/format.js'),
        import('../../daemon/continuous-stats.js'),
      ]);
      // The daemon's watches are event sources that do not hold the process on their own (the
      // helpers are unreferenced): one long timer does, waking once every ~24 days.
      const hold = setInterval(() => {}, 2 ** 31 - 1);
      const stopped = new Promise<void>((resolve) => {
        for (const s of STOP_SIGNALS) process.once(s, () => resolve());
      });
      try {
        const api = openApi(f);
        const daemon = await PolicyDaemon.start(api, {
          onDecision: (r) => stdout.write(f.json ? `${JSON.stringify(r)}\n` : `${decisionLine(r)}\n`),
        });
        try {
          // Item 5: each container's latency histograms since the daemon first saw it (docs/STATS.md).
          const stopStats = await startContinuousStats(api);
          await stopped;
          await stopStats();
          await daemon.idle();
        } finally {
          daemon.stop();
        }
      } finally {
        clearInterval(hold);
      }
    });
}
