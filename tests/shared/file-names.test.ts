import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_FILE_NAME_BYTES, MAX_PATH_DEPTH } from '../../shared/files/limits';
import { checkOfferPaths, checkRelativePath, checkSegment, distinctSegment, isDangerousName, numberedName, portableSegment } from '../../shared/files/names';

function refused(path: string): string {
  const check = checkRelativePath(path);
  if (check.ok) throw new Error(`${JSON.stringify(path)} was accepted`);
  return check.reason;
}

describe('file names from a peer: never a path to follow', () => {
  it.each([
    ['../etc/passwd', /step in a path/],
    ['a/../../b', /step in a path/],
    ['..', /step in a path/],
    ['./a', /step in a path/],
    ['a/./b', /step in a path/],
    ['..\\..\\windows\\system32', /Windows separator/],
    ['a\\b', /Windows separator/],
    ['/etc/passwd', /absolute/],
    ['//server/share/x', /absolute/],
    ['C:\\Windows\\x', /Windows separator/],
    ['C:evil', /drive letter/],
    ['c:/evil', /drive letter/],
    ['\\\\server\\share\\file', /Windows separator/],
    ['\\\\?\\C:\\Windows\\x', /Windows separator/],
    ['\\\\.\\PhysicalDrive0', /Windows separator/],
    ['%2e%2e/secret', /encoded/],
    ['%2E%2E', /encoded/],
    ['%252e%252e', /encoded/],
    ['..%2fetc', /encoded or look-alike path separator/],
    ['a%5cb', /encoded or look-alike path separator/],
    ['\uff0e\uff0e', /encoded/], // full-width dots
    ['\u2025', /encoded/], // two-dot leader, NFKC ".."
    ['a\uff0fb', /look-alike path separator/], // full-width solidus
    ['a\u2215b', /look-alike path separator/], // division slash
    ['a//b', /empty name/],
    ['a/', /empty name/],
    ['', /empty name/],
  ])('%j is refused: no traversal in any spelling', (path, reason) => {
    expect(refused(path)).toMatch(reason);
  });

  it.each(['CON', 'con', 'Con.txt', 'PRN.tar.gz', 'AUX', 'NUL.', 'nul .txt', 'COM1', 'com9.log', 'LPT1', 'lpt5.x', 'COM¹', 'LPT³.txt', 'CONIN$', 'CONOUT$', 'COM0'])(
    'the Windows device name %j is refused, with or without an extension',
    (name) => {
      expect(refused(name)).toMatch(/device name|end in a dot/);
    },
  );

  it.each(['notes.', 'notes ', 'notes. .', 'dir./file', 'a /b'])('%j is refused: a trailing dot or space changes the name on Windows', (path) => {
    expect(refused(path)).toMatch(/end in a dot or a space/);
  });

  it.each(['file.txt:secret', 'file.txt:Zone.Identifier:$DATA', 'dir::$INDEX_ALLOCATION', 'xy:z'])('the NTFS stream %j is refused', (name) => {
    expect(refused(name)).toMatch(/NTFS stream/);
  });

  it.each(['a<b', 'a>b', 'a"b', 'a|b', 'a?b', 'a*b'])('%j is refused: Windows refuses the character', (name) => {
    expect(refused(name)).toMatch(/Windows refuses/);
  });

  it.each(['a\nb', 'a\rb', 'a\u0000b', 'a\u0007b', 'a\u001bb', 'a\u007fb', 'a\u0085b', 'a\u009bb'])('%j is refused: control characters', (name) => {
    expect(refused(name)).toMatch(/control characters/);
  });

  it.each([
    'invoice\u202efdp.exe', // right-to-left override: shows as invoiceexe.pdf
    'a\u202db', 'a\u202ab', 'a\u2066b', 'a\u2067b', 'a\u2068b', 'a\u2069b', 'a\u200eb', 'a\u200fb', 'a\u061cb',
    'a\u200bb', 'a\u200cb', 'a\u200db', 'a\u2060b', 'a\ufeffb', 'photo\u200b.jpg', 'a\u180eb',
  ])('%j is refused: invisible or direction-changing characters', (name) => {
    expect(refused(name)).toMatch(/invisible or direction-changing/);
  });

  it('a name over 255 bytes is refused, one of exactly 255 is taken', () => {
    expect(checkSegment('a'.repeat(MAX_FILE_NAME_BYTES)).ok).toBe(true);
    expect(refused('a'.repeat(MAX_FILE_NAME_BYTES + 1))).toMatch(/at most 255 bytes/);
    expect(refused('é'.repeat(128))).toMatch(/at most 255 bytes/); // 256 bytes in 128 characters
  });

  it('a path deeper than the limit is refused', () => {
    expect(checkRelativePath(Array(MAX_PATH_DEPTH).fill('d').join('/')).ok).toBe(true);
    expect(refused(Array(MAX_PATH_DEPTH + 1).fill('d').join('/'))).toMatch(/folders deep/);
  });

  it('a name that could pass for a Peerline partial file is refused', () => {
    expect(refused('.movie.mkv.peerline-part')).toMatch(/partial files/);
  });

  it('ordinary names are taken: dots inside, hidden files, spaces inside, any script', () => {
    for (const path of ['report.pdf', '.bashrc', 'a b c.tar.gz', 'Фото/отпуск 2024/IMG_0001.JPG', '日本語.txt', 'naïve/café.md', '..hidden', 'a..b', '%41.txt', 'file%2etxt']) {
      expect(checkRelativePath(path), path).toEqual({ ok: true });
    }
  });

  it('the reason shows invisible characters escaped, so the sentence cannot be spoofed', () => {
    expect(refused('x\u202etxt.exe')).toContain('\\u202e');
  });
});

describe('the paths of one offer, together', () => {
  it('NFC and NFD spellings of one name collide', () => {
    const nfc = 'caf\u00e9.txt';
    const nfd = 'cafe\u0301.txt';
    const check = checkOfferPaths([nfc, nfd]);
    expect(check.ok).toBe(false);
    expect(!check.ok && check.reason).toMatch(/item 2.*same name/);
  });

  it('names equal after case folding collide (macOS, Windows)', () => {
    expect(checkOfferPaths(['Readme.md', 'README.MD']).ok).toBe(false);
    expect(checkOfferPaths(['dir/A.txt', 'DIR/a.txt']).ok).toBe(false);
    expect(checkOfferPaths(['straße', 'STRASSE']).ok).toBe(false);
  });

  it('the sender numbers names of one folder that would collide (case, NFC/NFD, a long name) instead of refusing them', () => {
    const taken = new Set<string>();
    const names = ['Readme.md', 'README.MD', 'readme.md', 'caf\u00e9.txt', 'cafe\u0301.txt', 'Readme (1).md'].map((name) => distinctSegment(name, taken));
    expect(names).toEqual(['Readme.md', 'README (1).MD', 'readme (2).md', 'caf\u00e9.txt', 'cafe\u0301 (1).txt', 'Readme (1) (1).md']);
    expect(checkOfferPaths(names.map((name) => `folder/${name}`)).ok).toBe(true);
    const long = 'é'.repeat(127) + '.txt'; // 258 bytes cut to fit, then numbered
    const twice = [distinctSegment(portableSegment(long), taken), distinctSegment(portableSegment(long.toUpperCase()), taken)];
    expect(twice[1]).toMatch(/ \(1\)\.TXT$/);
    for (const name of twice) expect(checkSegment(name).ok).toBe(true);
  });

  it('a file that is also the folder of another item is refused, in either order', () => {
    expect(checkOfferPaths(['a', 'a/b']).ok).toBe(false);
    expect(checkOfferPaths(['a/b', 'a']).ok).toBe(false);
  });

  it('a folder of distinct files is taken, and the first bad item is named', () => {
    expect(checkOfferPaths(['photos/1.jpg', 'photos/2.jpg', 'photos/raw/1.cr2'])).toEqual({ ok: true });
    const check = checkOfferPaths(['photos/1.jpg', 'photos/../../x']);
    expect(!check.ok && check.reason).toMatch(/^item 2: /);
  });
});

describe('local names made portable by the sender', () => {
  it.each([
    ['notes.', 'notes'],
    ['a:b', 'a_b'],
    ['con.txt', '_con.txt'],
    ['x\u202etxt.exe', 'x_txt.exe'],
    ['tab\there', 'tab_here'],
    ['...', '_'],
    ['movie.peerline-part', 'movie_part'],
  ])('%j becomes %j', (name, portable) => {
    expect(portableSegment(name)).toBe(portable);
  });

  it('a long name is cut to 255 bytes, keeping its extension', () => {
    const cut = portableSegment('é'.repeat(300) + '.jpeg');
    expect(cut.endsWith('.jpeg')).toBe(true);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
  });

  it('whatever the local name, the portable one passes the receiver’s check', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (name) => {
        const portable = portableSegment(name.replace(/[/\\]/g, ''));
        expect(checkSegment(portable), JSON.stringify(portable)).toEqual({ ok: true });
      }),
      { numRuns: 2000 },
    );
  });
});

describe('names for a copy and warnings', () => {
  it('a taken name is numbered before its extension', () => {
    expect(numberedName('report.pdf', 1)).toBe('report (1).pdf');
    expect(numberedName('archive.tar.gz', 2)).toBe('archive.tar (2).gz');
    expect(numberedName('.bashrc', 1)).toBe('.bashrc (1)');
    expect(numberedName('Makefile', 3)).toBe('Makefile (3)');
  });

  it('a name that runs code when opened gets a warning', () => {
    expect(isDangerousName('setup.EXE')).toBe(true);
    expect(isDangerousName('folder/run.sh')).toBe(true);
    expect(isDangerousName('photo.jpg')).toBe(false);
    expect(isDangerousName('exe')).toBe(false);
  });
});
