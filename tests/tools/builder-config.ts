/**
 * electron-builder.yml as electron-builder reads it (js-yaml, electron-builder's own YAML parser), typed as far
 * as the packaging tests look into it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };

export interface BuilderConfig {
  appId: string;
  productName: string;
  asarUnpack: string[];
  electronFuses: Record<string, boolean>;
  publish: unknown;
  linux: { target: string[]; executableName: string; icon: string };
  deb: { depends: string[] };
  mac: { target: string[] };
  win: { target: string };
  [key: string]: unknown;
}

export function readBuilderConfig(file = path.join(repoRoot, 'electron-builder.yml')): BuilderConfig {
  return yaml.load(readFileSync(file, 'utf8')) as BuilderConfig;
}
