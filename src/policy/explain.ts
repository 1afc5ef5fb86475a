import type { Refusal } from './admissions.js';
import { UNBOUNDED } from './guarantee.js';
import type { Budget, ResourceName } from './types.js';

/** Holders named in one line before "and N more". */
const MAX_HOLDERS = 5;
const UNITS: Array<[string, number]> = [
  ['TiB', 2 ** 40],
  ['GiB', 2 ** 30],
  ['MiB', 2 ** 20],
  ['KiB', 2 ** 10],
];

/** An amount as a person reads it: CPUs (from milli-CPUs) or bytes in the largest binary unit that divides them, else exact bytes. */
export function formatAmount(r: ResourceName, v: number): string {
  if (v >= UNBOUNDED) return 'unlimited';
  if (r === 'cpu') return `${v / 1000} CPU`;
  for (const [unit, size] of UNITS) if (v >= size && v % size === 0) return `${v / size} ${unit}`;
  for (const [unit, size] of UNITS) if (v >= size) return `${v} bytes (${(v / size).toFixed(2)} ${unit})`;
  return `${v} bytes`;
}

/** Borg's "why pending": which resource, asked, left, of what, held by whom — one line. */
export function explainRefusal(o: Refusal, budget: Budget): string {
  const f = (v: number) => formatAmount(o.resource, v);
  const r = o.resource;
  let of: string;
  switch (o.scope.kind) {
    case 'machine': {
      const oc = budget.overcommit[o.scope.tier];
      const parts = `capacity ${f(budget.capacity[r])} − reserve ${f(budget.reserve[r])}${oc ? ` + ${oc} % overcommit` : ''}`;
      of = `of the machine's ${f(o.limit)} (${parts}) for ${o.scope.tier} and the tiers above it`;
      break;
    }
    case 'parent':
      of = `of ${o.scope.name}'s guarantee of ${f(o.limit)}`;
      break;
    case 'own':
      of = 'below what its subcontainers hold';
      break;
  }
  const names = o.holders.slice(0, MAX_HOLDERS).map((h) => `${h.name} ${f(h.amount)}`);
  if (o.holders.length > MAX_HOLDERS) names.push(`and ${o.holders.length - MAX_HOLDERS} more`);
  const held = names.length ? `; held by ${names.join(', ')}` : '';
  if (o.scope.kind === 'own') return `${r}: asked ${f(o.asked)}, ${of}${held}`;
  return `${r}: asked ${f(o.asked)}, ${f(o.left)} left ${of}${held}`;
}
