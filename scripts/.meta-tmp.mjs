import { build } from 'esbuild';
import * as path from 'node:path';
const top = process.cwd();
const consoleAsModule = { name: 'c', setup(b) { b.onResolve({ filter: /^\.\.\/top\.js$/ }, (args) => args.importer.endsWith(path.join('src', 'cli', 'commands', 'top.ts')) ? { path: path.join(top, 'src/cli/console-bridge.ts') } : undefined); } };
const lazy = { name: 'l', setup(b) { b.onResolve({ filter: /^(node:)?(child_process|crypto|zlib|stream|stream\/promises|os)$/ }, (a) => ({ path: a.path, external: true })); } };
const r = await build({ absWorkingDir: top, entryPoints: { lmctfy: process.argv[2] ?? 'src/cli/entry.ts' }, bundle: true, platform: 'node', target: 'node20', format: 'cjs', write: false, outdir: '/tmp/metaout', metafile: true, minifyWhitespace: true, define: { 'process.env.NODE_ENV': '"production"', LMCTFY_VERSION: '"x"', 'import.meta.url': '__u' }, logLevel: 'error', external: ['react-devtools-core'], plugins: [consoleAsModule, lazy] });
const out = Object.values(r.metafile.outputs)[0];
const rows = Object.entries(out.inputs).map(([k, v]) => [v.bytesInOutput, k]).sort((a, b) => b[0] - a[0]);
let dirs = {};
for (const [b, k] of rows) { const d = k.replace(/\/[^/]*$/, ''); dirs[d] = (dirs[d] ?? 0) + b; }
console.log('total', out.bytes);
for (const [d, b] of Object.entries(dirs).sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(String(b).padStart(8), d);
if (process.env.FILES) for (const [b, k] of rows.slice(0, 60)) console.log(String(b).padStart(8), k);
