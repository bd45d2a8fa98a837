/**
 * The security lint (`npm test`): @doyensec/electronegativity over electron/ fails the build on every HIGH or
 * MEDIUM finding that tests/tools/electronegativity-allowlist.json does not explain, on an allow-list entry
 * that explains nothing any more, and on a file the tool could not parse (it would otherwise be skipped
 * silently). Electronegativity itself exits 0 whatever it finds; tests/tools/electronegativity-run.cjs runs
 * it offline and writes its findings as JSON, read here.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNNER = fileURLToPath(new URL('./electronegativity-run.cjs', import.meta.url));
export const ALLOW_LIST = fileURLToPath(new URL('./electronegativity-allowlist.json', import.meta.url));
const RUN_TIMEOUT_MS = 120_000;
/** Severities that fail the lint unless explained. */
const FAILING_SEVERITIES = new Set(['HIGH', 'MEDIUM']);
/** An explanation shorter than this is not one. */
const MIN_REASON_LENGTH = 20;

export interface Finding {
  readonly id: string;
  readonly severity: string;
  readonly confidence: string;
  /** Relative to the scanned folder, `/`-separated. */
  readonly file: string;
  readonly line: number;
  readonly sample: string;
}

export interface AllowEntry {
  readonly id: string;
  readonly file: string;
  readonly reason: string;
}

export interface LintReport {
  readonly findings: readonly Finding[];
  readonly parseErrors: readonly { readonly file: string; readonly message: string }[];
}

export interface LintVerdict {
  /** HIGH or MEDIUM findings no entry explains. */
  readonly unexplained: readonly Finding[];
  /** Entries that match no finding (the code changed; the explanation is stale). */
  readonly staleEntries: readonly AllowEntry[];
  readonly parseErrors: LintReport['parseErrors'];
  readonly ok: boolean;
}

/** Runs electronegativity over `folder` (offline) and returns what it found. */
export function scanFolder(folder: string): LintReport {
  const work = mkdtempSync(path.join(os.tmpdir(), 'peerline-electronegativity-'));
  try {
    const reportFile = path.join(work, 'report.json');
    const result = spawnSync(process.execPath, [RUNNER, folder, reportFile], { encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
    if (result.status !== 0) throw new Error(`electronegativity failed (${result.error ?? `exit ${result.status}`}):\n${result.stdout}${result.stderr}`);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { errors: { file: string; message: string }[]; issues: Finding[] };
    return {
      findings: report.issues.map((issue) => ({ ...issue, file: issue.file.split(path.sep).join('/') })),
      parseErrors: report.errors.map(({ file, message }) => ({ file, message })),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Reads an allow-list file, refusing entries without a check id, a file, or a reason. */
export function readAllowList(file: string): AllowEntry[] {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { entries?: unknown };
  if (!Array.isArray(parsed.entries)) throw new Error(`${file}: "entries" must be a list`);
  return parsed.entries.map((entry: unknown, index) => {
    const { id, file: entryFile, reason } = (entry ?? {}) as Record<string, unknown>;
    if (typeof id !== 'string' || id === '' || typeof entryFile !== 'string' || entryFile === '') {
      throw new Error(`${file}: entry ${index} needs a check "id" and a "file"`);
    }
    if (typeof reason !== 'string' || reason.trim().length < MIN_REASON_LENGTH) {
      throw new Error(`${file}: entry ${index} (${id} in ${entryFile}) needs a "reason" that explains it`);
    }
    return { id, file: entryFile, reason };
  });
}

export function judge(report: LintReport, allowList: readonly AllowEntry[]): LintVerdict {
  const explains = (entry: AllowEntry, finding: Finding) => entry.id === finding.id && entry.file === finding.file;
  const failing = report.findings.filter((finding) => FAILING_SEVERITIES.has(finding.severity));
  const unexplained = failing.filter((finding) => !allowList.some((entry) => explains(entry, finding)));
  const staleEntries = allowList.filter((entry) => !failing.some((finding) => explains(entry, finding)));
  return { unexplained, staleEntries, parseErrors: report.parseErrors, ok: unexplained.length === 0 && staleEntries.length === 0 && report.parseErrors.length === 0 };
}

/** The verdict as lines a person can act on. */
export function describeVerdict(verdict: LintVerdict): string {
  return [
    ...verdict.unexplained.map((f) => `${f.severity} ${f.id} at ${f.file}:${f.line}: fix it, or explain it in tests/tools/electronegativity-allowlist.json\n    ${f.sample.trim()}`),
    ...verdict.staleEntries.map((e) => `allow-list entry ${e.id} in ${e.file} matches no finding any more: remove it`),
    ...verdict.parseErrors.map((e) => `electronegativity could not parse ${e.file}: ${e.message}`),
  ].join('\n');
}
