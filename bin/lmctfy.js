#!/usr/bin/env -S node --max-semi-space-size=2
// A small young generation: the console's per-second passes make short-lived garbage, and
// V8's default lets the resident size grow by tens of MB for it (BENCHMARKS.md, history).
import '../dist/lmctfy.js';
