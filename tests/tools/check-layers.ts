/**
 * The layering check (DESIGN §1), in the spirit of VS Code's layer rules: a layer is a folder, and an import
 * may only point down the layer list or sideways inside its own layer. `checkLayers(root)` scans the source
 * files under `root` and returns every import that crosses wrongly; tests/tools/layering.test.ts runs it on the
 * repository (an empty list passes) and on fixture trees that prove each rule fails.
 *
 * Imports are found by a small tokenizer, not a regex over the text, so `require('electron')` inside a
 * comment, a string or a template is not an import. It sees static `import … from 'x'`, `import 'x'`,
 * `export … from 'x'`, `import type`, `import x = require('x')`, `import('x')` and `require('x')`, with the
 * specifier as a string literal or a template without substitutions. Known limit: it does not parse JSX, so
 * JSX text reading `require('x')` would count as an import (an apostrophe in JSX text is harmless: a string
 * literal never runs past the end of its line).
 */
import { readdir, readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import path from 'node:path';

export interface LayerViolation {
  /** Path of the importing file, relative to the scanned root, with `/` separators. */
  readonly file: string;
  /** 1-based line of the specifier. */
  readonly line: number;
  /** The module specifier exactly as written. */
  readonly specifier: string;
  /** The rule it breaks, as a sentence (one of `RULES`). */
  readonly rule: string;
}

/**
 * npm packages that `shared/` may import. Each entry must run unchanged in Node and in the browser: zod, which
 * validates every payload that crosses a trust boundary (DESIGN §1).
 */
export const SHARED_PACKAGE_ALLOWLIST: readonly string[] = ['zod'];

/** Every rule, as the sentence a violation reports. */
export const RULES = {
  electron: '`electron` may be imported only in electron/main/ and electron/preload/.',
  sharedFiles: 'shared/ may import only files inside shared/.',
  sharedBuiltins: 'shared/ must not import Node built-in modules.',
  sharedPackages: 'shared/ may import npm packages only from SHARED_PACKAGE_ALLOWLIST.',
  coreFiles: 'electron/core/ may import only files in shared/ and electron/core/.',
  cliFiles: 'electron/cli/ may import only files in shared/, electron/core/ and electron/cli/.',
  mainFiles: 'electron/main/ may import only files in shared/, electron/core/ and electron/main/.',
  preloadFiles: 'electron/preload/ may import only files in shared/ and electron/preload/.',
  preloadModules: 'electron/preload/ may import only `electron` and shared/: no Node built-ins, no npm packages.',
  rendererFiles: 'renderer/ may import only files in shared/ and renderer/.',
  rendererBuiltins: 'renderer/ must not import Node built-in modules.',
  featureFacade: 'a feature (electron/core/features/) never imports the facade, electron/core/app-service.',
  coreFeatures: 'electron/core/ outside features/ never imports a feature: only the facade, app-service.ts, composes them.',
} as const;

const FEATURES_DIR = 'electron/core/features/';
const FACADE = 'electron/core/app-service';

interface Layer {
  /** Folder of the layer, relative to the root, ending in `/`. */
  readonly dir: string;
  /** May it import `electron` (and `electron/…`)? */
  readonly electron: boolean;
  /** Folders that relative imports may land in, and the rule otherwise; absent: anywhere. */
  readonly files?: { readonly dirs: readonly string[]; readonly rule: string };
  /** The rule against Node built-ins; absent: allowed. */
  readonly builtins?: string;
  /** npm packages allowed, and the rule otherwise; absent: any package. */
  readonly packages?: { readonly allow: readonly string[]; readonly rule: string };
}

const LAYERS: readonly Layer[] = [
  {
    dir: 'shared/',
    electron: false,
    files: { dirs: ['shared/'], rule: RULES.sharedFiles },
    builtins: RULES.sharedBuiltins,
    packages: { allow: SHARED_PACKAGE_ALLOWLIST, rule: RULES.sharedPackages },
  },
  {
    dir: 'electron/core/',
    electron: false,
    files: { dirs: ['shared/', 'electron/core/'], rule: RULES.coreFiles },
  },
  {
    dir: 'electron/cli/',
    electron: false,
    files: { dirs: ['shared/', 'electron/core/', 'electron/cli/'], rule: RULES.cliFiles },
  },
  {
    dir: 'electron/main/',
    electron: true,
    files: { dirs: ['shared/', 'electron/core/', 'electron/main/'], rule: RULES.mainFiles },
  },
  {
    dir: 'electron/preload/',
    electron: true,
    files: { dirs: ['shared/', 'electron/preload/'], rule: RULES.preloadFiles },
    builtins: RULES.preloadModules,
    packages: { allow: [], rule: RULES.preloadModules },
  },
  {
    dir: 'renderer/',
    electron: false,
    files: { dirs: ['shared/', 'renderer/'], rule: RULES.rendererFiles },
    builtins: RULES.rendererBuiltins,
  },
];

/** tests/ and files outside every layer (root config files): anything but `electron`. */
const UNLAYERED: Layer = { dir: '', electron: false };

const SOURCE_EXTENSIONS = new Set(['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs']);
/** Folder names never scanned, at any depth. Folders whose name starts with `.` are skipped too. */
const SKIP_DIR_NAMES = new Set(['node_modules', 'out', 'dist', 'coverage', 'test-results']);
/** Folders never scanned, relative to the root. */
const SKIP_DIRS = new Set(['tests/fixtures']);

const BUILTINS = new Set(builtinModules);

export async function checkLayers(rootDir: string): Promise<LayerViolation[]> {
  const root = path.resolve(rootDir);
  const violations: LayerViolation[] = [];
  for (const file of await listSourceFiles(root, '')) {
    const source = await readFile(path.join(root, file), 'utf8');
    for (const { specifier, line } of findImports(source)) {
      const rule = checkImport(file, specifier);
      if (rule !== undefined) violations.push({ file, line, specifier, rule });
    }
  }
  return violations.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
}

/** One line per violation, for a failing test's message. */
export function formatViolations(violations: readonly LayerViolation[]): string {
  return violations.map((v) => `${v.file}:${v.line}: '${v.specifier}': ${v.rule}`).join('\n');
}

async function listSourceFiles(root: string, dir: string): Promise<string[]> {
  const files: string[] = [];
  const entries = await readdir(path.join(root, dir), { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const rel = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name.startsWith('.') || SKIP_DIR_NAMES.has(entry.name) || SKIP_DIRS.has(rel)) continue;
      files.push(...(await listSourceFiles(root, rel)));
    } else if (entry.isFile() && SOURCE_EXTENSIONS.has(path.extname(entry.name))) {
      files.push(rel);
    }
  }
  return files;
}

function layerOf(file: string): Layer {
  return LAYERS.find((layer) => file.startsWith(layer.dir)) ?? UNLAYERED;
}

/** The rule that `file` (relative to the root) breaks by importing `specifier`, if any. */
function checkImport(file: string, specifier: string): string | undefined {
  const layer = layerOf(file);
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    if (layer.files === undefined) return undefined;
    // Relative to the root. A leading `..` (outside the root) or `/` (an absolute path) is in no layer.
    const resolved = specifier.startsWith('/') ? specifier : path.posix.join(path.posix.dirname(file), specifier);
    const target = `${resolved}/`;
    if (!layer.files.dirs.some((dir) => target.startsWith(dir))) return layer.files.rule;
    return checkFeatureImport(file, resolved);
  }
  if (specifier === 'electron' || specifier.startsWith('electron/')) {
    return layer.electron ? undefined : RULES.electron;
  }
  if (specifier.startsWith('node:') || BUILTINS.has(specifier)) return layer.builtins;
  if (layer.packages === undefined) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return layer.packages.allow.includes(name) ? undefined : layer.packages.rule;
}

/** Inside electron/core: features never reach up to the facade, and the core beneath them never reaches into one. */
function checkFeatureImport(file: string, resolved: string): string | undefined {
  const fromFeature = file.startsWith(FEATURES_DIR);
  if (fromFeature && resolved === FACADE) return RULES.featureFacade;
  if (!fromFeature && file.startsWith('electron/core/') && !file.startsWith(`${FACADE}.`) && `${resolved}/`.startsWith(FEATURES_DIR)) {
    return RULES.coreFeatures;
  }
  return undefined;
}

/**
 * Every cycle of relative imports among the source files under `dir` (relative to `root`), each as the files
 * around it in import order, first file repeated at the end. Features must depend one way only (DESIGN §2).
 */
export async function findImportCycles(rootDir: string, dir: string): Promise<string[][]> {
  const root = path.resolve(rootDir);
  const files = await listSourceFiles(root, dir.replace(/\/$/, ''));
  const byStem = new Map(files.map((file) => [file.slice(0, file.length - path.extname(file).length), file]));
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const source = await readFile(path.join(root, file), 'utf8');
    const targets: string[] = [];
    for (const { specifier } of findImports(source)) {
      if (!specifier.startsWith('.')) continue;
      const target = byStem.get(path.posix.join(path.posix.dirname(file), specifier).replace(/\.(js|ts)$/, ''));
      if (target !== undefined) targets.push(target);
    }
    edges.set(file, targets);
  }
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of edges.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return cycles;
}

// ---------------------------------------------------------------------------------------------------------
// Tokenizer: names, string literals (templates without substitutions count as strings), punctuation (`${`
// opens a substitution), and `other` for numbers, regexes and the end of a template with substitutions.
// Comments and whitespace are dropped.

interface Token {
  readonly kind: 'name' | 'string' | 'punct' | 'other';
  readonly value: string;
  readonly line: number;
}

/** Names after which `/` starts a regex rather than a division. */
const REGEX_AFTER_NAMES = new Set([
  'return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await',
]);

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  /** Open `{` and `${`, so that a `}` closing a substitution resumes its template. */
  const braces: ('{' | '${')[] = [];
  let i = 0;
  let line = 1;

  /** Scans template text from `i` to its closing backtick or next `${`, which it leaves `i` after. */
  const scanTemplate = (startLine: number, pieceStart: number): void => {
    while (i < src.length) {
      const c = src[i];
      if (c === '\\') {
        if (src[i + 1] === '\n') line++;
        i += 2;
      } else if (c === '`') {
        i++;
        const whole = src[pieceStart - 1] === '`'; // no substitution was opened before this piece
        tokens.push(whole ? { kind: 'string', value: src.slice(pieceStart, i - 1), line: startLine } : { kind: 'other', value: '`', line });
        return;
      } else if (c === '$' && src[i + 1] === '{') {
        i += 2;
        braces.push('${');
        tokens.push({ kind: 'punct', value: '${', line });
        return;
      } else {
        if (c === '\n') line++;
        i++;
      }
    }
  };

  while (i < src.length) {
    const c = src[i];
    const next = src[i + 1];
    if (c === '\n') {
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v' || c === '\uFEFF') {
      i++;
    } else if (c === '/' && next === '/') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end === -1 ? src.length : end + 2;
      for (; i < stop; i++) if (src[i] === '\n') line++;
    } else if (c === "'" || c === '"') {
      // Strings cannot span lines, so an unterminated one (say an apostrophe in JSX text) ends at the newline.
      let value = '';
      i++;
      while (i < src.length && src[i] !== c && src[i] !== '\n') {
        if (src[i] === '\\') {
          if (src[i + 1] === '\n') line++;
          value += src[i + 1] ?? '';
          i += 2;
        } else {
          value += src[i++];
        }
      }
      tokens.push({ kind: 'string', value, line });
      if (src[i] === c) i++;
    } else if (c === '`') {
      i++;
      scanTemplate(line, i);
    } else if (c === '}' && braces.at(-1) === '${') {
      braces.pop();
      i++;
      scanTemplate(line, i);
    } else if (c === '/' && regexMayStart(tokens.at(-1))) {
      // A regex literal, also line-bounded; a `/` inside a character class does not end it.
      let inClass = false;
      i++;
      while (i < src.length && src[i] !== '\n' && (inClass || src[i] !== '/')) {
        if (src[i] === '\\') i++;
        else if (src[i] === '[') inClass = true;
        else if (src[i] === ']') inClass = false;
        i++;
      }
      i++;
      while (i < src.length && /[\w$]/.test(src[i])) i++;
      tokens.push({ kind: 'other', value: '/', line });
    } else if (/[A-Za-z_$\u0080-\uFFFF]/.test(c)) {
      const start = i;
      while (i < src.length && /[\w$\u0080-\uFFFF]/.test(src[i])) i++;
      tokens.push({ kind: 'name', value: src.slice(start, i), line });
    } else if (/[0-9]/.test(c)) {
      const start = i;
      while (i < src.length && /[\w.]/.test(src[i])) i++;
      tokens.push({ kind: 'other', value: src.slice(start, i), line });
    } else {
      if (c === '{') braces.push('{');
      else if (c === '}') braces.pop();
      tokens.push({ kind: 'punct', value: c, line });
      i++;
    }
  }
  return tokens;
}

function regexMayStart(previous: Token | undefined): boolean {
  if (previous === undefined) return true;
  if (previous.kind === 'punct') return previous.value !== ')' && previous.value !== ']' && previous.value !== '}';
  if (previous.kind === 'name') return REGEX_AFTER_NAMES.has(previous.value);
  return false;
}

// ---------------------------------------------------------------------------------------------------------
// Imports from tokens.

interface FoundImport {
  readonly specifier: string;
  readonly line: number;
}

function findImports(source: string): FoundImport[] {
  const tokens = tokenize(source);
  const found: FoundImport[] = [];
  const is = (j: number, kind: Token['kind'], value?: string): boolean =>
    tokens[j]?.kind === kind && (value === undefined || tokens[j].value === value);

  for (let i = 0; i < tokens.length; i++) {
    const word = tokens[i].kind === 'name' ? tokens[i].value : '';
    if ((word !== 'import' && word !== 'export' && word !== 'require') || is(i - 1, 'punct', '.')) continue;
    if (word !== 'export' && is(i + 1, 'punct', '(')) {
      // import('x') and require('x'), with an optional second argument (import attributes).
      if (is(i + 2, 'string') && (is(i + 3, 'punct', ')') || is(i + 3, 'punct', ','))) found.push(spec(tokens[i + 2]));
    } else if (word === 'import' && is(i + 1, 'string')) {
      found.push(spec(tokens[i + 1])); // import 'x'
    } else if (word !== 'require') {
      // import/export <clause> from 'x': the clause is names, `*`, `,` and one `{…}` group, which must be
      // followed by `from`. Anything else (`=`, `(`, `:`, a string, …) means this is no import or re-export.
      for (let j = i + 1; j < tokens.length; j++) {
        if (is(j, 'name', 'from') && is(j + 1, 'string')) {
          found.push(spec(tokens[j + 1]));
          break;
        }
        if (is(j, 'punct', '{')) {
          for (let depth = 0; j < tokens.length; j++) {
            if (is(j, 'punct', '{')) depth++;
            else if (is(j, 'punct', '}') && --depth === 0) break;
          }
          if (is(j + 1, 'name', 'from') && is(j + 2, 'string')) found.push(spec(tokens[j + 2]));
          break;
        }
        if (!is(j, 'name') && !is(j, 'punct', '*') && !is(j, 'punct', ',')) break;
        if (is(j, 'name', 'default')) break;
      }
    }
  }
  return found;
}

function spec(token: Token): FoundImport {
  return { specifier: token.value, line: token.line };
}
