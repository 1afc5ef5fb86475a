// Bundles the CLI and the library into dist/ with esbuild: one file per entry plus lazily
// loaded chunks (the console), so non-TUI commands start near bare-node time (STACK.md).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import protobuf from 'protobufjs';
import { inkOutputEsbuild } from '../src/ui/render/ink-output-plugin.mjs';

// Chunk names carry content hashes: start clean so stale chunks do not pile up.
rmSync('dist', { recursive: true, force: true });

await build({
  entryPoints: { lmctfy: 'src/cli/entry.ts', index: 'src/index.ts', 'sampler-worker': 'src/stats/sampler-worker.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  define: { 'process.env.NODE_ENV': '"production"' },
  // Some bundled CommonJS deps call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __lmctfyCreateRequire } from 'node:module'; const require = __lmctfyCreateRequire(import.meta.url);" },
  external: ['react-devtools-core'],
  // Ink's per-frame Output, replaced by one that caches across frames (src/ui/render/frame-output.ts).
  plugins: [inkOutputEsbuild()],
  logLevel: 'warning',
});

// The schema, parsed once here: the CLI loads this JSON instead of parsing .proto text.
const root = new protobuf.Root();
for (const file of ['lmctfy.proto', 'config.proto']) protobuf.parse(readFileSync(`proto/${file}`, 'utf8'), root, { keepCase: true });
root.resolveAll();
writeFileSync('dist/schema.json', JSON.stringify(root.toJSON()));
