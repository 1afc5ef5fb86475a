/**
 * Ends the process as soon as its event loop has nothing left to do, with the exit code
 * already set, instead of letting Node tear its heap down first: that teardown (unmapping
 * the V8 heap, tens of calls each costing a TLB flush across the VM's CPUs) took 60–160 ms
 * of a `restore` after its last step (BENCHMARKS.md, checkpoint/restore). 'beforeExit' fires
 * only once nothing is pending, so no write, child or timer is cut short; 'exit' listeners
 * still run.
 */
export function endWhenIdle(): void {
  process.once('beforeExit', () => process.exit());
}
