import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real-cgroup tests share one machine; files run in parallel, each under its own root.
    pool: 'forks',
  },
});
