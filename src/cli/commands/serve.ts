import type { Command } from 'commander';
import { apiOptions, openApi } from '../context.js';
import { flagsOf, subcommand, type CommandFlags } from './options.js';

/** `serve`: /metrics and /stats.json over HTTP (the server is src/cli/serve.ts). */
export function registerServe(program: Command): void {
  subcommand(program, 'serve', 'serve /metrics (OpenMetrics/Prometheus) and /stats.json over HTTP')
    .option('--listen <host:port>', 'address to listen on (default 127.0.0.1:9464)')
    .argument('[name]', 'top of the tree to export (default /)')
    .action(async (name: string | undefined, _o, cmd: Command) => {
      const f = flagsOf<CommandFlags & { listen?: string }>(cmd);
      const [{ serveMetrics }, { openSampling }, { exportReads }, { followDecisions }] = await Promise.all([
        import('../serve.js'),
        import('../../engine/sampling/index.js'),
        import('../../engine/export-reads.js'),
        import('../../stats/decisions.js'),
      ]);
      const api = openApi(f);
      // The daemon's decisions are counted as they are journalled, not re-read at each scrape.
      const decisions = followDecisions(api.machine.trackingDir('/'));
      try {
        // Scraped again and again: learn the tree from inotify between scrapes rather than statting it at each
        // (and, watching, a carried container's files stay open between its re-validations: openSampling).
        await serveMetrics(openSampling({ ...apiOptions(f), watch: true }), { ...exportReads(api), decisions: decisions && (() => decisions.totals) }, name ?? '/', f.listen ?? '127.0.0.1:9464');
      } finally {
        decisions?.stop();
      }
    });
}
