/**
 * Makes peer-supplied text safe to print on a terminal: control characters (escape sequences that could move
 * the cursor, rewrite the screen or set the title) become visible `\xNN` escapes. Newlines and tabs stay.
 */
export function terminalSafe(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
