import * as http from 'node:http';
import { Code, LmctfyError, asLmctfyError } from '../engine/errors.js';
import type { ExportReads } from '../engine/export-reads.js';
import type { DecisionTotals } from '../stats/decisions.js';
import type { SamplingSource } from '../engine/sampling/index.js';
import { Sampler } from '../stats/sampler.js';
import { sampleToJson } from '../stats/json.js';
import { ExpositionCache, contentType, exposed, openMetricsBytes } from '../stats/openmetrics.js';

export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `--listen must be HOST:PORT (e.g. 127.0.0.1:9464), got "${listen}"`);
  }
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

/**
 * Serves /metrics and /stats.json, sampling on each request so every scrape is fresh (the
 * JSON's rates span the time since the previous /stats.json). Runs until SIGTERM or SIGINT,
 * then closes cleanly.
 * `reads` gives the metrics the device names and raw CPU settings a pass does not keep, and
 * both endpoints the machine policy's budget and tiers; `decisions`, the metrics the daemon's
 * evictions and reclaims.
 */
export async function serveMetrics(sampling: SamplingSource, reads: ExportReads & { decisions?: () => DecisionTotals }, name: string, listen: string): Promise<void> {
  const { host, port } = parseListen(listen);
  const root = sampling.container(name);
  // /metrics reads only what the exposition prints (no rates, no history, no host figures);
  // /stats.json, everything, its rates since its own last request.
  // A subtree shown empty and still by the container above it keeps its readings (exact: Sampler's carryEmpty).
  const metrics = new Sampler(sampling, { root, type: 'export', host: false, carryEmpty: true });
  // The carried readings' lines are copied from the last scrape's.
  const lines = new ExpositionCache();
  let stats: Sampler | undefined;
  // Answered after the event loop's poll phase: inotify's events queued before the request
  // (a limit written, a container made) are taken in first, so the scrape shows them.
  const server = http.createServer((req, res) => setImmediate(answer, req, res));
  function answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    try {
      if (url.pathname === '/metrics') {
        const format = (req.headers.accept ?? '').includes('application/openmetrics-text') ? 'openmetrics' : 'prometheus';
        const body = openMetricsBytes(exposed(metrics.sample().containers), { format, ...reads, cache: lines });
        res.writeHead(200, { 'Content-Type': contentType(format) }).end(body);
      } else if (url.pathname === '/stats.json') {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(sampleToJson((stats ??= new Sampler(sampling, { root, type: 'full' })).next(), reads.admission?.())) + '\n');
      } else {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('lmctfy serves /metrics and /stats.json\n');
      }
    } catch (e) {
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${asLmctfyError(e).describe()}\n`);
    }
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new LmctfyError(Code.UNAVAILABLE, `cannot listen on ${listen}: ${(e as NodeJS.ErrnoException).code ?? e.message}`)));
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  const shown = typeof addr === 'object' && addr ? `${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}` : listen;
  process.stdout.write(`listen="${shown}"\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      server.close(() => resolve());
      server.closeAllConnections();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
