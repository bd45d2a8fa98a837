/**
 * File names that come from a peer. A name in an offer is never a path to follow: it is a list of segments
 * joined by `/`, each of which must be an ordinary, portable file name on Linux, macOS and Windows alike, so
 * that nothing is ever written outside the folder the person chose, and nothing lands under a name that some
 * system reads differently (a device, a stream, a name Windows silently trims). A name that breaks a rule is
 * refused with the rule in a sentence; it is never "repaired" on the receiving side, because a repaired name can
 * collide with another one of the same offer.
 *
 * The sender repairs its own local names with `portableSegment` before offering them (a Linux file called
 * `notes.` or `a:b` can still be sent), and both sides use the same rules.
 */
import { utf8ByteLength } from '../bytes';
import { MAX_FILE_NAME_BYTES, MAX_OFFER_ITEMS, MAX_PATH_BYTES, MAX_PATH_DEPTH, PART_FILE_SUFFIX } from './limits';

/** Windows device names, which open the device whatever the extension (`con.txt`, `COM1.tar.gz`). */
const RESERVED_BASE_NAMES = new Set([
  'CON', 'PRN', 'AUX', 'NUL', 'CONIN$', 'CONOUT$', 'CLOCK$',
  ...['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '¹', '²', '³'].flatMap((n) => [`COM${n}`, `LPT${n}`]),
]);

/** Characters Windows refuses in a name (`:` is also NTFS's stream separator and a drive letter's colon). */
const WINDOWS_FORBIDDEN = /[<>:"|?*\\/]/;
/** C0 and C1 controls and DEL. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/**
 * Characters that make a name read differently from what it is: bidi embeddings, overrides and isolates
 * (`invoice\u202Efdp.exe` shows as `invoiceexe.pdf`), marks, zero-width characters and joiners, the BOM.
 */
const DECEPTIVE = /[\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]/;
/** `.` and `..` in any spelling a decoder or a normaliser could turn back into them. */
const DOT_SPELLINGS = /%2e|%252e|\u2024|\u2025|\uff0e|\ufe52/i;
/** A separator in any spelling a decoder or a normaliser could turn back into one. */
const SEPARATOR_SPELLINGS = /%2f|%5c|%252f|%255c|\u2044|\u2215|\u29f5|\u29f8|\u29f9|\uff0f|\uff3c|\ufe68/i;

export type NameCheck = { ok: true } | { ok: false; reason: string };

const ok: NameCheck = { ok: true };
const refuse = (reason: string): NameCheck => ({ ok: false, reason });

/** Whether one segment (a file or folder name, no separators) is safe to create as it is; the rule it breaks if not. */
export function checkSegment(segment: string): NameCheck {
  if (segment.length === 0) return refuse('an empty name');
  if (segment === '.' || segment === '..') return refuse(`"${segment}" is not a name but a step in a path`);
  if (segment.includes('/') || segment.includes('\\')) return refuse('a name may not contain a path separator');
  if (CONTROL.test(segment)) return refuse('a name may not contain control characters');
  if (DECEPTIVE.test(segment)) return refuse('a name may not contain invisible or direction-changing characters');
  if (SEPARATOR_SPELLINGS.test(segment)) return refuse('a name may not contain an encoded or look-alike path separator');
  const folded = segment.normalize('NFKC');
  if (DOT_SPELLINGS.test(segment) && /^[.\s]*$/.test(decodeDots(segment))) return refuse('a name may not be an encoded "." or ".."');
  if (folded === '.' || folded === '..' || folded.includes('/') || folded.includes('\\')) return refuse('a name may not normalise to a path step or separator');
  if (WINDOWS_FORBIDDEN.test(segment)) return refuse('a name may not contain any of < > : " | ? * (a drive letter, an NTFS stream, or a character Windows refuses)');
  if (/[. ]$/.test(segment)) return refuse('a name may not end in a dot or a space (Windows drops them, and the name would change)');
  if (RESERVED_BASE_NAMES.has(baseOf(segment).toUpperCase())) return refuse(`"${segment}" is a device name on Windows`);
  if (utf8ByteLength(segment) > MAX_FILE_NAME_BYTES) return refuse(`a name may be at most ${MAX_FILE_NAME_BYTES} bytes long`);
  if (segment.endsWith(PART_FILE_SUFFIX)) return refuse(`a name may not end in ${PART_FILE_SUFFIX} (Peerline's partial files)`);
  return ok;
}

/** The name before its first dot, without trailing spaces: how Windows recognises a device name. */
function baseOf(segment: string): string {
  const dot = segment.indexOf('.');
  return (dot < 0 ? segment : segment.slice(0, dot)).replace(/ +$/, '');
}

/** Every encoded or look-alike dot turned into a dot, to see what a decoder would make of the name. */
function decodeDots(segment: string): string {
  return segment.replace(/%252e|%2e/gi, '.').replace(/[\u2024\uff0e\ufe52]/g, '.').replace(/\u2025/g, '..');
}

/**
 * Whether a relative path from an offer (`folder/sub/file.txt`) is safe: `/`-separated segments, each one
 * passing `checkSegment`, not absolute, no `\`, at most MAX_PATH_DEPTH deep and MAX_PATH_BYTES long.
 */
export function checkRelativePath(path: string): NameCheck {
  if (path.length === 0) return refuse('an empty name');
  if (utf8ByteLength(path) > MAX_PATH_BYTES) return refuse(`a path may be at most ${MAX_PATH_BYTES} bytes long`);
  if (path.startsWith('/')) return refuse('an absolute path');
  if (path.includes('\\')) return refuse('a path may not contain "\\" (a Windows separator, UNC or \\\\?\\ path)');
  if (/^[a-z]:/i.test(path)) return refuse('a path may not start with a drive letter');
  const segments = path.split('/');
  if (segments.length > MAX_PATH_DEPTH) return refuse(`a path may be at most ${MAX_PATH_DEPTH} folders deep`);
  for (const segment of segments) {
    const check = checkSegment(segment);
    if (!check.ok) return refuse(`${check.reason} ("${printable(segment)}")`);
  }
  return ok;
}

/** How two names compare on a case-insensitive, normalising file system (macOS, Windows): equal keys collide there. */
export function collisionKey(path: string): string {
  return path.normalize('NFC').toUpperCase().toLowerCase();
}

/**
 * Checks the paths of one offer together: each must pass `checkRelativePath`, no two may be the same file on a
 * case-insensitive or normalising file system, and no file may also be a folder of another (`a` and `a/b`).
 * Returns the first problem, naming the item.
 */
export function checkOfferPaths(paths: readonly string[]): NameCheck {
  const files = new Set<string>();
  const folders = new Set<string>();
  for (const [index, path] of paths.entries()) {
    const check = checkRelativePath(path);
    if (!check.ok) return refuse(`item ${index + 1}: ${check.reason}`);
    const key = collisionKey(path);
    if (files.has(key) || folders.has(key)) return refuse(`item ${index + 1} ("${printable(path)}") is the same name as another item on some systems`);
    files.add(key);
    const segments = key.split('/');
    for (let depth = 1; depth < segments.length; depth++) {
      const folder = segments.slice(0, depth).join('/');
      if (files.has(folder)) return refuse(`item ${index + 1} ("${printable(path)}") lies inside a name that is also a file`);
      folders.add(folder);
    }
  }
  return ok;
}

/**
 * A local name made portable for an offer: forbidden, control and invisible characters become `_`, trailing
 * dots and spaces go, a device name gets a `_` in front, and an over-long name is cut (keeping its extension)
 * to MAX_FILE_NAME_BYTES. The result passes `checkSegment`.
 */
export function portableSegment(name: string): string {
  let out = name
    .replace(new RegExp(`${CONTROL.source}|${DECEPTIVE.source}|${WINDOWS_FORBIDDEN.source}`, 'g'), '_')
    .replace(new RegExp(`${SEPARATOR_SPELLINGS.source}|${DOT_SPELLINGS.source}`, 'gi'), '_')
    .replace(/[. ]+$/, '');
  if (out.endsWith(PART_FILE_SUFFIX)) out = out.slice(0, -PART_FILE_SUFFIX.length) + '_part';
  if (RESERVED_BASE_NAMES.has(baseOf(out).toUpperCase())) out = `_${out}`;
  if (out.normalize('NFKC') === '.' || out.normalize('NFKC') === '..' || out.length === 0) out = '_';
  return truncateName(out, MAX_FILE_NAME_BYTES);
}

/** Cuts a name to `maxBytes` of UTF-8 on a character boundary, keeping a short extension. */
function truncateName(name: string, maxBytes: number): string {
  if (utf8ByteLength(name) <= maxBytes) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
  let stem = [...name.slice(0, name.length - extension.length)];
  while (stem.length > 0 && utf8ByteLength(stem.join('') + extension) > maxBytes) stem.pop();
  const cut = (stem.join('') + extension).replace(/[. ]+$/, '');
  return cut.length > 0 ? cut : '_';
}

/**
 * The name with ` (n)` before its extension: where a file of that name exists already, `report.pdf` becomes
 * `report (1).pdf`. A name starting with a dot (`.bashrc`) has no extension.
 */
export function numberedName(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)} (${n})${name.slice(dot)}` : `${name} (${n})`;
}

/** Room kept in a numbered name for ` (n)`, n up to MAX_OFFER_ITEMS. */
const NUMBER_ROOM_BYTES = ` (${MAX_OFFER_ITEMS})`.length;

/**
 * `name`, or else the first `name (n).ext` whose collisionKey is not in `taken`, which it is added to: two entries
 * of one folder that would be one file on a case-insensitive or normalising file system (`Photo.jpg` and
 * `photo.jpg`, NFC and NFD spellings) go as two names instead of the folder being refused.
 */
export function distinctSegment(name: string, taken: Set<string>): string {
  let candidate = name;
  for (let n = 1; taken.has(collisionKey(candidate)); n++) candidate = numberedName(truncateName(name, MAX_FILE_NAME_BYTES - NUMBER_ROOM_BYTES), n);
  taken.add(collisionKey(candidate));
  return candidate;
}

/** Extensions that run code when opened: the UIs warn before such a file is opened. */
const DANGEROUS_EXTENSIONS = new Set([
  'app', 'apk', 'appimage', 'bat', 'bin', 'cmd', 'com', 'command', 'cpl', 'deb', 'desktop', 'dll', 'dmg', 'exe', 'hta', 'html', 'htm',
  'inf', 'ins', 'iso', 'jar', 'js', 'jse', 'lnk', 'msi', 'msp', 'pif', 'pkg', 'ps1', 'psm1', 'py', 'reg', 'rpm', 'run', 'scr', 'sh',
  'svg', 'url', 'vb', 'vbe', 'vbs', 'workflow', 'ws', 'wsf', 'xhtml',
]);

/** Whether opening a file of this name may run code (its last extension is one of DANGEROUS_EXTENSIONS). */
export function isDangerousName(name: string): boolean {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot >= 0 && DANGEROUS_EXTENSIONS.has(base.slice(dot + 1).toLowerCase());
}

/** A name as it may appear inside a sentence: controls and invisible characters shown as `\uXXXX`, cut to 80 characters. */
export function printable(name: string): string {
  const shown = name.replace(new RegExp(`${CONTROL.source}|${DECEPTIVE.source}`, 'g'), (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return shown.length > 80 ? `${shown.slice(0, 79)}…` : shown;
}
