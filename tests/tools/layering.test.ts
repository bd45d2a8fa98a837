import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkLayers, findImportCycles, formatViolations, RULES, type LayerViolation } from '../tools/check-layers';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = path.join(repoRoot, 'tests/fixtures/layering');

describe('layering (DESIGN §1)', () => {
  it('the repository has no import that crosses a layer wrongly', async () => {
    const violations = await checkLayers(repoRoot);
    expect(violations, `layer violations:\n${formatViolations(violations)}`).toEqual([]);
  });

  it('electron/core and shared have no import cycle: features depend one way only', async () => {
    expect(await findImportCycles(repoRoot, 'electron/core/')).toEqual([]);
    expect(await findImportCycles(repoRoot, 'shared/')).toEqual([]);
  });

  it('an import cycle is found, with the files around it', async () => {
    expect(await findImportCycles(path.join(fixtures, 'bad'), 'electron/core/features/')).toEqual([
      ['electron/core/features/chat/chat.ts', 'electron/core/features/contacts/contacts.ts', 'electron/core/features/chat/chat.ts'],
    ]);
  });

  describe('fixture tree bad/: every rule fails', () => {
    // file, line, specifier, rule: one row per import that must be reported.
    const expected: LayerViolation[] = [
      // `electron` anywhere outside electron/main and electron/preload, including subpaths, require(), import().
      { file: 'electron/core/uses-electron.js', line: 2, specifier: 'electron', rule: RULES.electron },
      { file: 'electron/core/uses-electron.js', line: 3, specifier: 'electron/main', rule: RULES.electron },
      { file: 'electron/cli/uses-require.cjs', line: 2, specifier: 'electron', rule: RULES.electron },
      { file: 'renderer/lazy.js', line: 2, specifier: 'electron', rule: RULES.electron },
      { file: 'shared/types.mts', line: 2, specifier: 'electron', rule: RULES.electron },
      { file: 'tests/launches-electron.mjs', line: 2, specifier: 'electron', rule: RULES.electron },
      // shared/: no Node built-ins with or without `node:`, no npm packages, no files outside shared/.
      { file: 'shared/uses-node-fs.ts', line: 1, specifier: 'node:fs', rule: RULES.sharedBuiltins },
      { file: 'shared/uses-fs.ts', line: 1, specifier: 'fs', rule: RULES.sharedBuiltins },
      { file: 'shared/uses-fs.ts', line: 2, specifier: 'net', rule: RULES.sharedBuiltins },
      { file: 'shared/uses-package.ts', line: 1, specifier: 'fast-check', rule: RULES.sharedPackages },
      { file: 'shared/imports-core.ts', line: 5, specifier: '../electron/core/peer', rule: RULES.sharedFiles },
      { file: 'shared/imports-core.ts', line: 10, specifier: '../electron/core/peer', rule: RULES.sharedFiles },
      // electron/core may not import cli (nor main, preload, renderer).
      { file: 'electron/core/imports-cli.ts', line: 1, specifier: '../cli/run', rule: RULES.coreFiles },
      // A feature never imports the facade; the core beneath the features never imports one.
      { file: 'electron/core/features/chat/chat.ts', line: 3, specifier: '../../app-service', rule: RULES.featureFacade },
      { file: 'electron/core/peer.ts', line: 3, specifier: './features/chat/chat', rule: RULES.coreFeatures },
      // electron/main may not import renderer.
      { file: 'electron/main/index.js', line: 3, specifier: '../../renderer/App', rule: RULES.mainFiles },
      // electron/preload: electron and shared/ only.
      { file: 'electron/preload/index.cjs', line: 3, specifier: 'node:fs', rule: RULES.preloadModules },
      { file: 'electron/preload/index.cjs', line: 4, specifier: '../core/peer', rule: RULES.preloadFiles },
      { file: 'electron/preload/index.cjs', line: 5, specifier: 'nanoid', rule: RULES.preloadModules },
      // renderer/: shared/ and renderer/ only, no Node built-ins.
      { file: 'renderer/App.tsx', line: 4, specifier: '../electron/core/peer', rule: RULES.rendererFiles },
      { file: 'renderer/App.tsx', line: 12, specifier: '../electron/core/peer', rule: RULES.rendererFiles },
      { file: 'renderer/uses-node.mjs', line: 1, specifier: 'node:os', rule: RULES.rendererBuiltins },
    ];
    let found: LayerViolation[] = [];
    beforeAll(async () => {
      found = await checkLayers(path.join(fixtures, 'bad'));
    });

    it.each(expected.map((v) => [`${v.file}:${v.line} '${v.specifier}'`, v] as const))('reports %s', (_, v) => {
      expect(found, formatViolations(found)).toContainEqual(v);
    });

    it('reports nothing else (the allowed imports in the same files pass)', () => {
      const key = (v: LayerViolation) => `${v.file}:${v.line}: '${v.specifier}': ${v.rule}`;
      expect(found.map(key).sort()).toEqual(expected.map(key).sort());
    });
  });

  it('fixture tree good/: allowed imports, and `electron` in comments, strings, templates and regexes, pass', async () => {
    const violations = await checkLayers(path.join(fixtures, 'good'));
    expect(violations, formatViolations(violations)).toEqual([]);
  });
});
