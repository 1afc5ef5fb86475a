import { Code, LmctfyError } from '../engine/errors.js';
import type { PolicySpec } from '../messages/types.js';
import { validatePressure } from './pressure.js';
import { RESOURCES, TIERS, type Amounts, type Budget, type Tier } from './types.js';

/** Overcommit above this many percent is surely a typo (10× the machine). */
export const MAX_OVERCOMMIT_PERCENT = 1000;

/** The policy with defaults: capacity from the kernel where unset, reserve 0, overcommit 0. */
export function budgetOf(spec: PolicySpec, kernel: Amounts): Budget {
  const capacity: Amounts = { cpu: spec.capacity?.cpu ?? kernel.cpu, memory: spec.capacity?.memory ?? kernel.memory };
  const reserve: Amounts = { cpu: spec.reserve?.cpu ?? 0, memory: spec.reserve?.memory ?? 0 };
  const allocatable: Amounts = { cpu: Math.max(0, capacity.cpu - reserve.cpu), memory: Math.max(0, capacity.memory - reserve.memory) };
  const overcommit = Object.fromEntries(TIERS.map((t) => [t, 0])) as Record<Tier, number>;
  for (const o of spec.overcommit ?? []) overcommit[o.tier ?? 'NORMAL'] = o.percent ?? 0;
  return { capacity, reserve, allocatable, overcommit };
}

/** Refuses a policy that cannot mean anything: INVALID_ARGUMENT naming the field. */
export function validatePolicy(spec: PolicySpec): void {
  const bad = (what: string) => {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `PolicySpec.${what}`);
  };
  for (const r of RESOURCES) {
    const c = spec.capacity?.[r];
    if (c !== undefined && (!Number.isSafeInteger(c) || c <= 0)) bad(`capacity.${r}: ${c} is not a positive amount`);
    const v = spec.reserve?.[r];
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) bad(`reserve.${r}: ${v} is not an amount`);
  }
  const seen = new Set<Tier>();
  for (const o of spec.overcommit ?? []) {
    if (o.tier === undefined) bad('overcommit: an entry names no tier');
    if (seen.has(o.tier!)) bad(`overcommit: tier ${o.tier} is named twice`);
    seen.add(o.tier!);
    const p = o.percent ?? 0;
    if (!Number.isInteger(p) || p < 0 || p > MAX_OVERCOMMIT_PERCENT) bad(`overcommit: ${p} % for ${o.tier} is not 0–${MAX_OVERCOMMIT_PERCENT}`);
  }
  if (spec.pressure !== undefined) validatePressure(spec.pressure);
}

/** What a tier's view may hold: allocatable × (100 + overcommit) / 100, rounded down. */
export function tierLimit(budget: Budget, tier: Tier, r: keyof Amounts): number {
  return Math.floor((budget.allocatable[r] * (100 + budget.overcommit[tier])) / 100);
}
