import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';

/** Parses Prometheus text exposition with a real third-party parser (throws on bad syntax). */
export function parseExposition(text: string): ParsedFamily[] {
  return parsePrometheusTextFormat(text);
}
export type { ParsedFamily };

/**
 * `promtool check metrics` on Prometheus text 0.0.4: throws when promtool cannot parse it,
 * and returns the lint problems it reports (exit code 3), one per line.
 */
export function promtoolLint(promtool: string, text: string): string[] {
  const r = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  const out = `${r.stdout}${r.stderr}`.trim();
  if (r.status === 0) return [];
  if (r.status === 3) return out.split('\n').filter(Boolean);
  throw new Error(`promtool check metrics failed (${r.status ?? r.error?.message}): ${out}`);
}

/**
 * Parses OpenMetrics 1.0 text with Prometheus's own OpenMetrics parser, the one its scrapes
 * use: promtool reads it when backfilling, which needs a timestamp on every sample, so each
 * gets the same one. Throws with promtool's message on any syntax error (a missing # EOF, a
 * bad label, a sample that does not parse).
 */
export function promtoolParseOpenMetrics(promtool: string, text: string): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-openmetrics-'));
  try {
    const file = path.join(dir, 'exposition.txt');
    fs.writeFileSync(file, text.replace(/^([^#\n].*)$/gm, '$1 1700000000'));
    const r = spawnSync(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', file, path.join(dir, 'blocks')], { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`promtool cannot read the OpenMetrics text (${r.status ?? r.error?.message}): ${`${r.stdout}${r.stderr}`.trim()}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
