import { describe, expect, it } from 'vitest';
import { toOpenMetrics } from '../../src/stats/openmetrics.js';
import { debianCommand } from '../helpers/debian-package.js';
import { promtoolLint, promtoolParseOpenMetrics } from '../helpers/exposition.js';
import { LOOKUPS, VIEW } from '../fixtures/sample-view.js';

const promtool = debianCommand('prometheus', 'promtool');

/** describe() needing promtool: skipped with the reason, or failing where it had to be fetched. */
function describePromtool(name: string, fn: (promtool: string) => void): void {
  if ('error' in promtool) {
    describe(name, () => {
      throw new Error(promtool.error);
    });
  } else if ('skip' in promtool) describe.skip(`${name} (skipped: ${promtool.skip})`, () => fn(''));
  else describe(name, () => fn(promtool.path));
}

/** cAdvisor's own name, a counter without _total: the one lint problem dashboards make us keep. */
const FAILCNT_LINT = 'container_memory_failcnt counter metrics should have "_total" suffix';

describePromtool('the metrics exposition, checked by promtool', (bin) => {
  it('Prometheus text: promtool check metrics parses every family; its only lint is cAdvisor\'s container_memory_failcnt', () => {
    expect(promtoolLint(bin, toOpenMetrics(VIEW, { format: 'prometheus', ...LOOKUPS }))).toEqual([FAILCNT_LINT]);
  });

  it('OpenMetrics: Prometheus\'s own OpenMetrics parser reads it (families without _total, # EOF)', () => {
    expect(() => promtoolParseOpenMetrics(bin, toOpenMetrics(VIEW, { format: 'openmetrics', ...LOOKUPS }))).not.toThrow();
  });

  it('the checks can fail: a malformed exposition is refused by both', () => {
    const om = toOpenMetrics(VIEW, { format: 'openmetrics', ...LOOKUPS });
    expect(() => promtoolParseOpenMetrics(bin, om.replace('# EOF\n', ''))).toThrow(/EOF/);
    expect(() => promtoolLint(bin, 'container_x{id="/"} 1 2 3\n')).toThrow(/promtool check metrics failed/);
    expect(promtoolLint(bin, '# HELP x_total x\n# TYPE x_total counter\nx_total 1\n')).toEqual([]);
  });
});
