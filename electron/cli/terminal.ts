/**
 * Peer-supplied text that a terminal would act on rather than show: C0 and C1 controls (escape sequences move
 * the cursor, rewrite the screen, set the title) and the invisible direction marks and overrides that can make
 * text read differently from what was sent. Newline and tab are left alone.
 */
const UNSAFE_FOR_TERMINAL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Makes text safe to print on a terminal: each unsafe character becomes a visible escape, `\x1b` or `\u202e`. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE_FOR_TERMINAL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** For one-line fields (names, reasons): line breaks and tabs are shown as escapes too, so the field stays on its line. */
export function terminalLine(text: string): string {
  return terminalSafe(text).replace(/[\n\t]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * Peer text after our `prefix` (`[Bob] `): each further line of it is indented by the prefix's width, so no line
 * the peer wrote starts where our own lines (`[Name]`, `* …`, `! …`) do.
 */
export function terminalBlock(prefix: string, text: string): string {
  return prefix + terminalSafe(text).split('\n').join('\n' + ' '.repeat(Math.max(2, prefix.length)));
}
