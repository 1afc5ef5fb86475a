// One hot path, run WARMUP + count times in this process, for bench/instructions.mjs to count
// under callgrind (the difference between two counts is the cost of `count` iterations).
// Usage: node bench/hot-path.mjs <lifecycle-engine|lifecycle-raw|sample-engine|sample-plain> <count>
// with LMCTFY_ROOT naming a delegated root the parent prepared (the sample paths expect
// SAMPLE_CONTAINERS containers from treeNames in it).
import { ContainerApi, Sampler, openSampling } from '../dist/index.js';
import { LIFECYCLE_SPEC, plainPass, rawCreateDestroy, treeNames } from './floors.mjs';

export const SAMPLE_CONTAINERS = 200;
export const WARMUP = { lifecycle: 50, sample: 5 };

const [, , which, countArg] = process.argv;
if (which) {
  const count = Number(countArg);
  const root = process.env.LMCTFY_ROOT;
  const api = await ContainerApi.init({}, { root });
  const names = treeNames(SAMPLE_CONTAINERS);
  let step;
  if (which === 'lifecycle-engine') {
    step = async (i) => {
      await api.create(`e${i}`, LIFECYCLE_SPEC);
      await api.destroy(`e${i}`);
    };
  } else if (which === 'lifecycle-raw') {
    step = (i) => rawCreateDestroy(api.machine, `r${i}`);
  } else if (which === 'sample-engine') {
    const sampler = new Sampler(openSampling({ root }), { root: '/', host: false, type: 'counters' });
    step = () => sampler.next();
  } else if (which === 'sample-plain') {
    step = (i) => plainPass(api.machine, names, i);
  } else {
    throw new Error(`unknown hot path ${which}`);
  }
  const total = WARMUP[which.split('-')[0]] + count;
  for (let i = 0; i < total; i++) await step(i);
}
