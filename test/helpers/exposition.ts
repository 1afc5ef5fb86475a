import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';

/** Parses Prometheus text exposition with a real third-party parser (throws on bad syntax). */
export function parseExposition(text: string): ParsedFamily[] {
  return parsePrometheusTextFormat(text);
}
export type { ParsedFamily };
