/**
 * The security lint over electron/ (see security-lint.ts), and proof that it can fail: fixtures with an
 * unexplained finding, a stale allow-list entry, an entry without a reason, and a file the tool cannot parse.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ALLOW_LIST, describeVerdict, judge, readAllowList, scanFolder, type AllowEntry } from './security-lint';

const electronDir = fileURLToPath(new URL('../../electron', import.meta.url));
const work = mkdtempSync(path.join(os.tmpdir(), 'peerline-security-lint-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A new folder holding `files` (name → source), to scan. */
function writeFixtureDir(name: string, files: Record<string, string>): string {
  const dir = path.join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, source] of Object.entries(files)) writeFileSync(path.join(dir, file), source);
  return dir;
}

const INSECURE_WINDOW = `const { BrowserWindow } = require('electron');
const win = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false } });
win.loadURL('https://example.com/');
`;

describe('electronegativity over electron/', () => {
  it('finds no HIGH or MEDIUM issue the allow-list does not explain, no stale entry, and parses every file', () => {
    const report = scanFolder(electronDir);
    const verdict = judge(report, readAllowList(ALLOW_LIST));
    expect(describeVerdict(verdict)).toBe('');
    expect(verdict.ok).toBe(true);
  });
});

describe('the checker fails', () => {
  it('on an unexplained HIGH finding (a window with Node in the page, no isolation, no sandbox)', () => {
    const report = scanFolder(writeFixtureDir('insecure', { 'main.js': INSECURE_WINDOW }));
    const verdict = judge(report, []);
    expect(verdict.ok).toBe(false);
    expect(verdict.unexplained.map((f) => `${f.severity} ${f.id} ${f.file}`)).toEqual(
      expect.arrayContaining(['HIGH CONTEXT_ISOLATION_JS_CHECK main.js', 'MEDIUM SANDBOX_JS_CHECK main.js']),
    );
    expect(describeVerdict(verdict)).toContain('main.js:2');
  });

  it('on a finding explained for another file only', () => {
    const report = scanFolder(writeFixtureDir('insecure-elsewhere', { 'main.js': INSECURE_WINDOW }));
    const elsewhere: AllowEntry[] = [{ id: 'CONTEXT_ISOLATION_JS_CHECK', file: 'other.js', reason: 'explains a different file, not this one' }];
    const verdict = judge(report, elsewhere);
    expect(verdict.unexplained.map((f) => f.id)).toContain('CONTEXT_ISOLATION_JS_CHECK');
    expect(verdict.staleEntries).toEqual(elsewhere);
  });

  it('on an allow-list entry that matches nothing any more', () => {
    const report = scanFolder(writeFixtureDir('clean', { 'main.js': "const x = 1;\nmodule.exports = x;\n" }));
    const stale: AllowEntry[] = [{ id: 'SANDBOX_JS_CHECK', file: 'main.js', reason: 'the window this explained is gone' }];
    const verdict = judge(report, stale);
    expect(verdict.ok).toBe(false);
    expect(describeVerdict(verdict)).toContain('matches no finding any more');
  });

  it('on a file it cannot parse (the tool alone would skip it without a word)', () => {
    const report = scanFolder(writeFixtureDir('broken', { 'main.js': INSECURE_WINDOW, 'broken.js': 'const = = ;\n' }));
    const verdict = judge(report, []);
    expect(verdict.parseErrors.map((e) => e.file)).toEqual([expect.stringContaining('broken.js')]);
    expect(verdict.ok).toBe(false);
  });

  it('on an allow-list entry without a reason', () => {
    const file = path.join(work, 'no-reason.json');
    writeFileSync(file, JSON.stringify({ entries: [{ id: 'SANDBOX_JS_CHECK', file: 'main/main.ts', reason: '' }] }));
    expect(() => readAllowList(file)).toThrow(/needs a "reason"/);
    writeFileSync(file, JSON.stringify({ entries: [{ id: 'SANDBOX_JS_CHECK', reason: 'a reason long enough to count' }] }));
    expect(() => readAllowList(file)).toThrow(/needs a check "id" and a "file"/);
  });
});
