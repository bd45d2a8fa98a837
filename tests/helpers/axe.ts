/**
 * axe-core in the test browser: injected into a page whose context was made with `bypassCSP: true` (the app's
 * CSP allows only its own scripts; only the test context lifts it), run with the WCAG 2.1 A and AA rules.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/** The rule tags checked: WCAG 2.0 and 2.1, levels A and AA. */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
/** Best-practice rules checked as well: all content inside landmarks, one main landmark, a page heading. */
const EXTRA_RULES = ['region', 'landmark-one-main', 'page-has-heading-one', 'landmark-unique'];

let source: Promise<string> | undefined;
const axeSource = () => (source ??= readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'));

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** Runs axe on the whole document (or `include`, a selector); returns the violations, each with its elements. */
export async function axeViolations(page: Page, include?: string): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ content: await axeSource() });
  return page.evaluate(
    async ({ tags, extra, include }) => {
      const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<any> } }).axe;
      const results = await axe.run(include ?? (globalThis as any).document, {
        runOnly: { type: 'tag', values: tags },
        rules: Object.fromEntries(extra.map((rule) => [rule, { enabled: true }])),
        resultTypes: ['violations'],
      });
      return (results.violations as any[]).map((v) => ({
        id: v.id as string,
        impact: v.impact as string | null,
        help: v.help as string,
        targets: (v.nodes as any[]).map((n) => `${(n.target as string[]).join(' ')}${n.failureSummary ? ` — ${String(n.failureSummary).replace(/\s+/g, ' ')}` : ''}`),
      }));
    },
    { tags: WCAG_TAGS, extra: EXTRA_RULES, include },
  );
}

/** One line per violated rule: its id, help text, and the elements (each with why it failed). */
export function formatViolations(violations: AxeViolation[]): string {
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.targets.map((t) => `    ${t}`).join('\n')}`).join('\n');
}

/** Fails with every violation's rule, element and help text. */
export async function expectNoViolations(page: Page, screen: string): Promise<void> {
  const violations = await axeViolations(page);
  if (violations.length > 0) throw new Error(`axe found ${violations.length} violated rule(s) on ${screen}:\n${formatViolations(violations)}`);
}
