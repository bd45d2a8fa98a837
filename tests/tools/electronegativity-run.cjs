// Runs @doyensec/electronegativity over one folder, offline, and writes what it found as JSON:
//   node tests/tools/electronegativity-run.cjs <folder> <report.json>
// {"errors": [{file, message, tolerable}], "issues": [{id, severity, confidence, file, line, column, sample, description}]}
// Its programmatic API (dist/runner.js) is used instead of the CLI because the CLI, writing a report file, drops
// the files it could not parse without a word; here they are in `errors`. tests/tools/security-lint.ts reads it.
//
// Three things make it run here, each scoped to electronegativity alone:
// - Its TypeScript parser (@typescript-eslint/typescript-estree 4, hoisted to the top of node_modules) would
//   load the project's TypeScript 7, which has no JavaScript API; it gets the TypeScript 4 electronegativity
//   ships for it instead.
// - Its messages come from its own en-US file; it would otherwise fetch translations from GitHub first.
// - The check that fetches Electron's release list from GitHub (AvailableSecurityFixesGlobalCheck) is left out:
//   no network in tests, and the Electron version is pinned in package.json.
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');

const [input, reportFile] = process.argv.slice(2);
if (!input || !reportFile) {
  console.error('usage: node tests/tools/electronegativity-run.cjs <folder> <report.json>');
  process.exit(2);
}
const repoRoot = path.resolve(__dirname, '../..');
const packageDir = path.dirname(require.resolve('@doyensec/electronegativity/package.json', { paths: [repoRoot] }));
const OFFLINE_EXCLUDED_CHECKS = ['availablesecurityfixesglobalcheck'];

const typescriptForParser = require.resolve('typescript', { paths: [packageDir] });
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (request === 'typescript' && parent?.filename?.includes(`${path.sep}@typescript-eslint${path.sep}typescript-estree${path.sep}`)) {
    return typescriptForParser;
  }
  return resolveFilename.call(this, request, parent, ...rest);
};

const i18nModule = path.join(packageDir, 'dist/locales/i18n.js');
const localTranslations = new Module(i18nModule, module);
localTranslations.filename = i18nModule;
localTranslations.loaded = true;
localTranslations.exports = async function localI18n() {
  const i18n = require(require.resolve('i18n', { paths: [packageDir] }));
  i18n.configure({
    locales: ['en-US'],
    defaultLocale: 'en-US',
    directory: path.dirname(i18nModule),
    updateFiles: false,
    objectNotation: true,
    retryInDefaultLocale: true,
    register: global,
  });
  i18n.setLocale('en-US');
};
require.cache[i18nModule] = localTranslations;

const run = require(path.join(packageDir, 'dist/runner.js'));
const electronVersion = require(require.resolve('electron/package.json', { paths: [repoRoot] })).version;

run(
  {
    input: path.resolve(input),
    isRelative: true,
    customScan: [],
    excludeFromScan: OFFLINE_EXCLUDED_CHECKS,
    parserPlugins: [],
    electronVersionOverride: electronVersion,
  },
  false,
).then(
  ({ errors, issues }) => {
    const report = {
      errors,
      issues: issues.map((issue) => ({
        id: issue.id,
        severity: issue.severity.name,
        confidence: issue.confidence.name,
        file: issue.file,
        line: issue.location.line,
        column: issue.location.column,
        sample: issue.sample ?? '',
        description: issue.description,
      })),
    };
    fs.writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);
  },
  (error) => {
    console.error(error.stack ?? String(error));
    process.exit(1);
  },
);
