import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { Header, machineLine } from '../../src/ui/components/Header.js';
import { elideMiddle } from '../../src/ui/view/format.js';
import { mount, screen } from './helpers.js';
import { HEADER, container, sampleView } from './views.js';

afterEach(cleanup);

describe('elideMiddle', () => {
  it.each([
    ['/a/b/c', 10, '/a/b/c'],
    ['/process_api/d0fd8eb38ef4a5b2/lmctfy-x', 20, '/process_…2/lmctfy-x'],
    ['abcdef', 1, '…'],
  ])('%j in %s → %j', (text, width, out) => {
    expect(elideMiddle(text, width)).toBe(out);
    expect(out.length).toBeLessThanOrEqual(width);
  });
});

describe('machineLine', () => {
  const path = '/sys/fs/cgroup/freezer/process_api/d0fd8eb38ef4a5b22444c43c7ca09860/lmctfy-x';

  it('names the tree by lmctfy name alone when the kernel path is not known', () => {
    expect(machineLine(HEADER)).toBe('  box-7  16 CPUs  64.0 GiB memory  cgroup v1  root /');
  });

  it('shows the delegated cgroup lmctfy\'s root is, whole when there is room', () => {
    expect(machineLine({ ...HEADER, cgroupPath: path }, 200)).toBe(`  box-7  16 CPUs  64.0 GiB memory  cgroup v1  root / = ${path}`);
  });

  it('shortens the path in its middle to fit 80 columns, keeping both ends', () => {
    const line = machineLine({ ...HEADER, cgroupPath: path }, 80);
    expect('lmctfy top'.length + line.length).toBe(80);
    expect(line).toMatch(/root \/ = \/sys\/f\S*…\S*fy-x$/);
  });

  it('leaves the path out when too little of it would show', () => {
    expect(machineLine({ ...HEADER, cgroupPath: path }, 70)).toBe(machineLine(HEADER));
  });

  it('draws it with a reversed sort named', () => {
    const r = mount(<Header header={{ ...HEADER, cgroupPath: path }} view={undefined} intervalMs={1000} sort="io" reverse filter="" width={100} />);
    const [first, second] = screen(r).split('\n');
    expect(first).toMatch(/^lmctfy top .*root \/ = \/sys.*….*lmctfy-x$/);
    expect(first!.length).toBeLessThanOrEqual(100);
    expect(second).toContain('sort IO, reversed');
  });
});

describe('the machine policy in the header', () => {
  it('shows the budget at a glance on the second line, as the source has it at each draw', () => {
    let cpu = 0;
    const header = { ...HEADER, budget: () => ({ admitted: { cpu, memory: 0 }, allocatable: { cpu: 1000, memory: 2 ** 30 } }) };
    const draw = () => mount(<Header header={header} view={undefined} intervalMs={1000} sort="cpu" filter="" width={200} />);
    expect(screen(draw()).split('\n')[1]).toContain('admitted cpu 0/1 mem 0/1.0G');
    cpu = 500;
    expect(screen(draw()).split('\n')[1]).toContain('admitted cpu 0.5/1 mem 0/1.0G');
  });

  it('keeps the budget whole at 80 columns, before the sort', () => {
    const header = { ...HEADER, budget: () => ({ admitted: { cpu: 1500, memory: 600 * 2 ** 20 }, allocatable: { cpu: 2000, memory: 23.5 * 2 ** 30 } }) };
    const view = sampleView(Array.from({ length: 1000 }, (_, i) => container(`/c${i}`)));
    const r = mount(<Header header={header} view={view} intervalMs={1000} sort="cpu" filter="" width={80} />);
    // The terminal cuts the line at its width: the budget is within it.
    const second = screen(r).split('\n')[1]!.slice(0, 80);
    expect(second).toMatch(/1000 containers {2}admitted cpu 1\.5\/2 mem 600M\/24G/);
  });

  it('says nothing of a budget with no policy', () => {
    const r = mount(<Header header={{ ...HEADER, budget: () => undefined }} view={undefined} intervalMs={1000} sort="cpu" filter="" width={200} />);
    expect(screen(r)).not.toContain('admitted');
  });
});
