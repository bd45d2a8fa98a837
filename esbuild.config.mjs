// Builds the Node-side programs into out/ (ignored). Dependencies stay external: native modules
// (sodium-native) load from node_modules with their prebuilds.
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { build } from 'esbuild';

const { version, dependencies = {} } = JSON.parse(await readFile(new URL('./package.json', import.meta.url), 'utf8'));

const common = { bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', sourcemap: true, logLevel: 'warning',
  define: { __PEERLINE_VERSION__: JSON.stringify(version) } };

// The desktop app. Main is CommonJS (it uses __dirname; package.json says "type": "module", hence .cjs) and keeps
// `electron` and the runtime dependencies external: electron-builder ships those in node_modules. Anything else
// it imports is bundled, so a devDependency can never be needed at run time.
const electronMain = { ...common, format: 'cjs', target: 'node22', packages: undefined, external: ['electron', ...Object.keys(dependencies)] };
// The preload runs sandboxed: its `require` knows `electron` and little else, so everything else is bundled into
// this one file (tests/preload/preload-bundle.test.ts checks it requires nothing but `electron`).
const electronPreload = { ...common, format: 'cjs', target: 'chrome130', packages: undefined, external: ['electron'] };

await Promise.all([
  build({ ...common, entryPoints: ['electron/cli/main.ts'], outfile: 'out/cli/peerline.js', banner: { js: '#!/usr/bin/env node' } }),
  build({ ...common, entryPoints: ['tests/bench/bench.ts'], outfile: 'out/bench/bench.js' }),
  build({ ...electronMain, entryPoints: ['electron/main/main.ts'], outfile: 'out/main/main.cjs' }),
  build({ ...electronPreload, entryPoints: ['electron/preload/index.ts'], outfile: 'out/preload/preload.cjs' }),
]);

// The tray icon, next to main (nativeImage reads PNG, not the page's SVG).
await mkdir('out/main', { recursive: true });
await copyFile('build/icons/32x32.png', 'out/main/tray.png');
