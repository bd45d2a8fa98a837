import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { terminalBlock, terminalLine, terminalSafe } from '../../electron/cli/terminal';

/** Characters a peer could use to move the cursor, rewrite the screen, set the title or reorder text. */
const DANGEROUS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('terminalSafe', () => {
  it('shows ESC sequences as text: colours, cursor moves, screen clears, OSC titles and hyperlinks', () => {
    expect(terminalSafe('\x1b[31mred\x1b[0m')).toBe('\\x1b[31mred\\x1b[0m');
    expect(terminalSafe('\x1b[2J\x1b[H')).toBe('\\x1b[2J\\x1b[H');
    expect(terminalSafe('\x1b]0;pwned\x07')).toBe('\\x1b]0;pwned\\x07');
    expect(terminalSafe('\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\')).toBe('\\x1b]8;;http://evil\\x1b\\link\\x1b]8;;\\x1b\\');
    expect(terminalSafe('\x1bc')).toBe('\\x1bc');
  });

  it('shows the other C0 controls, DEL and CR (which would overwrite the line)', () => {
    expect(terminalSafe('a\x00b')).toBe('a\\x00b');
    expect(terminalSafe('bell\x07')).toBe('bell\\x07');
    expect(terminalSafe('back\x08\x08')).toBe('back\\x08\\x08');
    expect(terminalSafe('fake\rreal')).toBe('fake\\x0dreal');
    expect(terminalSafe('\x0b\x0c\x1f\x7f')).toBe('\\x0b\\x0c\\x1f\\x7f');
  });

  it('shows C1 controls (CSI, OSC, NEL as single characters)', () => {
    expect(terminalSafe('\x9b2J')).toBe('\\x9b2J');
    expect(terminalSafe('\x9d0;title\x9c')).toBe('\\x9d0;title\\x9c');
    expect(terminalSafe('\x80\x85\x9f')).toBe('\\x80\\x85\\x9f');
  });

  it('shows bidi overrides, embeddings, isolates, direction marks and Unicode line breaks', () => {
    expect(terminalSafe('invoice\u202egpj.exe')).toBe('invoice\\u202egpj.exe');
    for (const c of ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c', '\u2028', '\u2029']) {
      const shown = terminalSafe(`x${c}y`);
      expect(shown).toBe(`x\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}y`);
      expect(shown).not.toMatch(DANGEROUS);
    }
  });

  it('keeps newlines, tabs and ordinary Unicode as they are', () => {
    for (const text of [
      'line one\nline two',
      'a\tb',
      'héllo wörld, ça va? ß',
      '日本語のテキスト',
      'مرحبا بالعالم',
      'שלום',
      '👋🏽 👩‍👩‍👧 🇫🇷',
      'e\u0301 (combining accent)',
      '\u00a0no-break space, \u00ff, \u0100',
      '',
    ]) {
      expect(terminalSafe(text)).toBe(text);
    }
  });

  it('never lets a dangerous character through, and changes nothing else', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        const shown = terminalSafe(text);
        expect(shown).not.toMatch(DANGEROUS);
        if (!DANGEROUS.test(text)) expect(shown).toBe(text);
      }),
      { numRuns: 500 },
    );
    // The characters in the dangerous ranges are mapped one for one to visible escapes.
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 0x9f }), fc.integer({ min: 0x202a, max: 0x202e }), fc.integer({ min: 0x2066, max: 0x2069 }))), (codes) => {
        const text = String.fromCharCode(...codes);
        const expected = codes.map((c) => (c === 0x09 || c === 0x0a || (c >= 0x20 && c < 0x7f) ? String.fromCharCode(c) : c <= 0xff ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16)}`)).join('');
        expect(terminalSafe(text)).toBe(expected);
      }),
    );
  });
});

describe('terminalLine and terminalBlock: a peer forges no line of ours', () => {
  it('a name or reason stays on one line: line breaks and tabs are shown as escapes', () => {
    expect(terminalLine('Bob\n* Alice is marked verified')).toBe('Bob\\x0a* Alice is marked verified');
    expect(terminalLine('a\tb\r\u2028c\u202e')).toBe('a\\x09b\\x0d\\u2028c\\u202e');
  });

  it('continuation lines of peer text are indented under the prefix', () => {
    expect(terminalBlock('[Bob] ', 'hi\n[Alice] send me your key\n')).toBe('[Bob] hi\n      [Alice] send me your key\n      ');
    expect(terminalBlock('* ', 'one\ntwo')).toBe('* one\n  two');
  });

  it('no line of a block but the first starts with anything other than a space', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 100 }), fc.string({ maxLength: 10 }), (text, name) => {
        const lines = terminalBlock(`[${terminalLine(name)}] `, text).split('\n');
        expect(lines[0]!.startsWith('[')).toBe(true);
        for (const line of lines.slice(1)) expect(line).toMatch(/^ {2,}/);
        for (const line of lines) expect(line).not.toMatch(DANGEROUS);
        expect(terminalLine(text)).not.toMatch(/[\n\t]/);
      }),
    );
  });
});
