/** The printed table and the JSON file of a benchmark run. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface Target {
  /** The goal as people read it, e.g. "≤ 1 ms" or "≥ 0.80". */
  text: string;
  met: boolean;
}

export interface Row {
  section: string;
  label: string;
  /** The figure as printed (the JSON carries the numbers). */
  figure: string;
  baseline?: string;
  ratio?: string;
  target?: Target;
  note?: string;
}

const COLUMNS = ['measurement', 'figure', 'baseline (same run)', 'ratio', 'target'] as const;

/** Renders rows as a plain-text table, grouped by section, with notes under their row. */
export function renderTable(rows: readonly Row[]): string {
  const cells = rows.map((row) => [
    `  ${row.label}`,
    row.figure,
    row.baseline ?? '',
    row.ratio ?? '',
    row.target ? `${row.target.met ? '✓' : '✗'} ${row.target.text}` : '',
  ]);
  const widths = COLUMNS.map((title, i) => Math.max(title.length, ...cells.map((line) => line[i].length)));
  const line = (parts: readonly string[]) => parts.map((part, i) => part.padEnd(widths[i])).join('  ').trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('──');
  const out: string[] = [line(COLUMNS), rule];
  let section = '';
  rows.forEach((row, i) => {
    if (row.section !== section) {
      section = row.section;
      if (i > 0) out.push('');
      out.push(section);
    }
    out.push(line(cells[i]));
    if (row.note) out.push(`      ↳ ${row.note}`);
  });
  return out.join('\n');
}

export async function writeJson(file: string, data: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(data, null, 2) + '\n');
}

/**
 * Puts `value` under `key` of the JSON object in `file` and `rows` among its `rows`, in place of the rows of the
 * same numbered sections ("7." …) from an earlier run; everything else in the file is kept. A missing or unreadable
 * file starts afresh. For a section that can run alone and after the others (the durable chat, section 7).
 */
export async function mergeJson(file: string, key: string, value: unknown, rows: readonly Row[]): Promise<void> {
  let data: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) data = parsed as Record<string, unknown>;
  } catch {
    // none yet, or not ours to read: written afresh
  }
  const numberOf = (section: string) => section.slice(0, section.indexOf(' ') + 1);
  const replaced = new Set(rows.map((row) => numberOf(row.section)));
  const kept = Array.isArray(data.rows) ? (data.rows as Row[]).filter((row) => !replaced.has(numberOf(String(row?.section ?? '')))) : [];
  await writeJson(file, { ...data, [key]: value, rows: [...kept, ...rows] });
}

export function ms(value: number): string {
  if (value >= 100) return `${value.toFixed(0)} ms`;
  if (value >= 10) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(3)} ms`;
}

export function int(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Three decimals below 10, so a ratio printed next to a target never rounds onto it (0.248 is not "0.25"). */
export function ratio(value: number): string {
  return `${value >= 10 ? value.toFixed(1) : value.toFixed(3)}×`;
}
