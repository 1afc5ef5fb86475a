import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vitest/config';
import { inkOutputVite } from './src/ui/render/ink-output-plugin.mjs';

/**
 * Ink ships source maps without their sources: loaded by Vite (inlined, below) each file
 * would log a warning. Read here, their maps are not followed.
 */
const inkWithoutSourceMaps: Plugin = {
  name: 'ink-without-source-maps',
  load: (id) => (/[\\/]node_modules[\\/]ink(-testing-library)?[\\/]build[\\/][^?]*\.js$/.test(id) ? readFileSync(id, 'utf8') : undefined),
};

export default defineConfig({
  // As scripts/build.mjs defines it for the bundle.
  define: { LMCTFY_VERSION: JSON.stringify(JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')).version) },
  // The console's Output stand-in, as scripts/build.mjs bundles it.
  plugins: [inkOutputVite(), inkWithoutSourceMaps],
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real-cgroup tests share one machine; files run in parallel, each under its own root.
    pool: 'forks',
    // Through Vite, so the plugin sees Ink's imports; the testing library with it, so both
    // use the one Ink.
    server: { deps: { inline: [/[\\/]node_modules[\\/]ink[\\/]/, 'ink-testing-library'] } },
  },
});
