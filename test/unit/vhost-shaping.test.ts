import { describe, expect, it } from 'vitest';
import { limitsAfter, limitsOf, limitsToSpec, shapingSteps } from '../../src/engine/vhost/shaping.js';

describe('limitsOf', () => {
  it.each([
    [undefined, {}],
    [{}, {}],
    [{ ingress_limit: 0, egress_limit: 8000 }, { egress: 8000 }],
    [{ ingress_limit: 20e6 }, { ingress: 20e6 }],
  ])('%j → %j', (network, want) => expect(limitsOf(network)).toEqual(want));
  it.each([7999, 1.5, 2e12])('refuses %d bits per second with the range', (v) => {
    expect(() => limitsOf({ egress_limit: v })).toThrow(`network.egress_limit ${v} is not a rate between 8000 and 1000000000000 bits per second (0: no limit)`);
  });
});

describe('limitsAfter', () => {
  const was = { ingress: 1e6, egress: 2e6 };
  it.each([
    ['diff changes only what is given', { ingress_limit: 5e6 }, 'diff', { ingress: 5e6, egress: 2e6 }],
    ['diff: 0 lifts one', { egress_limit: 0 }, 'diff', { ingress: 1e6 }],
    ['replace sets exactly the spec', { egress_limit: 3e6 }, 'replace', { egress: 3e6 }],
    ['replace without a network lifts both', undefined, 'replace', {}],
  ] as const)('%s', (_what, network, policy, want) => expect(limitsAfter(was, network, policy)).toEqual(want));
  it('back to the spec', () => {
    expect(limitsToSpec({ egress: 3 })).toEqual({ egress_limit: 3 });
    expect(limitsToSpec({})).toBeUndefined();
  });
});

describe('shapingSteps', () => {
  const steps = (was: object, now: object) => shapingSteps('vh1o', 'lmi0123', was, now).map((s) => s.join(' '));
  it('ingress: an htb on the host end; egress: its ingress redirected to an ifb with an htb', () => {
    expect(steps({}, { ingress: 1000000, egress: 2000000 })).toEqual([
      'tc qdisc add dev vh1o root handle 1: htb default 1',
      'tc class add dev vh1o parent 1: classid 1:1 htb rate 1000000bit ceil 1000000bit',
      'ip link add lmi0123 type ifb',
      'ip link set lmi0123 up',
      'tc qdisc add dev lmi0123 root handle 1: htb default 1',
      'tc class add dev lmi0123 parent 1: classid 1:1 htb rate 2000000bit ceil 2000000bit',
      'tc qdisc add dev vh1o handle ffff: ingress',
      'tc filter add dev vh1o parent ffff: protocol all u32 match u32 0 0 action mirred egress redirect dev lmi0123',
    ]);
  });
  it('a changed rate changes the class only; the same rate changes nothing', () => {
    expect(steps({ ingress: 1, egress: 2 }, { ingress: 3, egress: 2 })).toEqual(['tc class change dev vh1o parent 1: classid 1:1 htb rate 3bit ceil 3bit']);
    expect(steps({ ingress: 1, egress: 2 }, { ingress: 1, egress: 2 })).toEqual([]);
  });
  it('lifting removes the qdiscs and the ifb', () => {
    expect(steps({ ingress: 1, egress: 2 }, {})).toEqual(['tc qdisc del dev vh1o root', 'tc qdisc del dev vh1o ingress', 'ip link del lmi0123']);
  });
});
