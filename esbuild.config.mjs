// Builds the Node-side programs into out/ (ignored). Dependencies stay external: native modules
// (sodium-native) load from node_modules with their prebuilds.
import { readFile } from 'node:fs/promises';
import { build } from 'esbuild';

const { version } = JSON.parse(await readFile(new URL('./package.json', import.meta.url), 'utf8'));

const common = { bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', sourcemap: true, logLevel: 'warning',
  define: { __PEERLINE_VERSION__: JSON.stringify(version) } };

await Promise.all([
  build({ ...common, entryPoints: ['electron/cli/main.ts'], outfile: 'out/cli/peerline.js', banner: { js: '#!/usr/bin/env node' } }),
  build({ ...common, entryPoints: ['tests/bench/bench.ts'], outfile: 'out/bench/bench.js' }),
]);
