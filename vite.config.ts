/**
 * The renderer build (DESIGN §7): `renderer/` → `out/renderer/`, with relative asset URLs (`base: './'`) because
 * the packaged app loads index.html over file:// from inside app.asar, and `peerline --ui` serves the same files.
 *
 * `vite` (dev server): the strict CSP of index.html would block Vite's injected scripts and styles, so the dev
 * server drops it; the build keeps it. Point the dev server at a running `peerline --ui` with
 * PEERLINE_UI=http://127.0.0.1:PORT and open http://localhost:5173/?token=TOKEN: /api is proxied to it.
 */
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const CSP_META = /\s*<meta\s+http-equiv="Content-Security-Policy"[^>]*>/i;

function devWithoutCsp(): Plugin {
  return {
    name: 'peerline:dev-without-csp',
    apply: 'serve',
    transformIndexHtml: (html) => html.replace(CSP_META, ''),
  };
}

const backend = process.env.PEERLINE_UI;

export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react(), devWithoutCsp()],
  build: {
    outDir: '../out/renderer',
    emptyOutDir: true,
    // Fonts or images inlined as data: URLs would trip font-src; keep every asset a file.
    assetsInlineLimit: 0,
    // Chromium has modulepreload; the polyfill is not needed.
    modulePreload: { polyfill: false },
    // Electron 45 is Chromium 140; `peerline --ui` users bring a current browser. These targets keep
    // light-dark() and the rest of the CSS as written instead of emulating them.
    target: ['es2023', 'chrome123', 'firefox120', 'safari17.5'],
    cssTarget: ['chrome123', 'firefox120', 'safari17.5'],
  },
  server: {
    strictPort: false,
    proxy:
      backend === undefined
        ? undefined
        : {
            // Exactly /api (the socket), not /api/… (renderer/api/ modules are served by Vite).
            '^/api(\\?.*)?$': { target: backend, ws: true, changeOrigin: true, headers: { origin: backend } },
          },
  },
});
