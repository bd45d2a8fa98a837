/** Replaced by esbuild at build time (esbuild.config.mjs): the version in package.json. */
declare const __PEERLINE_VERSION__: string;
