import { describe, expect, it } from 'vitest';
import { describeLink, safeHref, splitLinks, type TextPart } from '../../renderer/lib/links';

const links = (text: string) => splitLinks(text).filter((part): part is Extract<TextPart, { kind: 'link' }> => part.kind === 'link');

describe('renderer links: only parsed http(s) URLs become links', () => {
  it('finds http and https links and keeps the rest as text, losing nothing', () => {
    const text = 'see https://example.com/a?b=1#c and http://10.0.0.5:8000/x then';
    const parts = splitLinks(text);
    expect(parts).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.com/a?b=1#c', href: 'https://example.com/a?b=1#c' },
      { kind: 'text', text: ' and ' },
      { kind: 'link', text: 'http://10.0.0.5:8000/x', href: 'http://10.0.0.5:8000/x' },
      { kind: 'text', text: ' then' },
    ]);
    expect(parts.map((part) => part.text).join('')).toBe(text);
  });

  it.each([
    'javascript:alert(1)',
    'JaVaScRiPt:alert(document.cookie)',
    'data:text/html,<script>alert(1)</script>',
    'file:///etc/passwd',
    'ftp://example.com/file',
    'vbscript:msgbox(1)',
    'about:blank',
    'mailto:someone@example.com',
    'peerline://connect',
    '//example.com/protocol-relative',
    'www.example.com',
  ])('leaves %s as plain text', (text) => {
    expect(links(`before ${text} after`)).toEqual([]);
    expect(splitLinks(text)).toEqual([{ kind: 'text', text }]);
  });

  it('does not take a scheme glued to a word; after another scheme only the http(s) part is the link', () => {
    expect(links('xhttps://example.com')).toEqual([]);
    // What is linked is exactly the http(s) text shown as the link, never the outer scheme.
    expect(links('javascript:https://example.com')).toEqual([{ kind: 'link', text: 'https://example.com', href: 'https://example.com/' }]);
    expect(links('blob:https://example.com/uuid')).toEqual([{ kind: 'link', text: 'https://example.com/uuid', href: 'https://example.com/uuid' }]);
  });

  it('safeHref accepts only http: and https: with a host', () => {
    expect(safeHref('https://example.com')).toBe('https://example.com/');
    expect(safeHref('HTTP://EXAMPLE.COM/A')).toBe('http://example.com/A');
    expect(safeHref('https://')).toBeNull();
    expect(safeHref('https://exa mple.com')).toBeNull();
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('data:text/html,hi')).toBeNull();
    expect(safeHref('file:///C:/Windows')).toBeNull();
    expect(safeHref('not a url')).toBeNull();
  });

  it('leaves sentence punctuation and unbalanced brackets out of the link', () => {
    expect(links('go to https://example.com.')[0]?.text).toBe('https://example.com');
    expect(links('(see https://example.com/page)')[0]?.text).toBe('https://example.com/page');
    expect(links('https://en.wikipedia.org/wiki/Foo_(bar), ok')[0]?.text).toBe('https://en.wikipedia.org/wiki/Foo_(bar)');
    expect(links('really? https://example.com/?q=1!')[0]?.text).toBe('https://example.com/?q=1');
  });

  it('ends a link at quotes and angle brackets, so markup-looking text stays text', () => {
    const parts = splitLinks('<a href="https://evil.example/x">click</a>');
    expect(links('<a href="https://evil.example/x">click</a>')).toEqual([
      { kind: 'link', text: 'https://evil.example/x', href: 'https://evil.example/x' },
    ]);
    expect(parts.map((part) => part.text).join('')).toBe('<a href="https://evil.example/x">click</a>');
  });

  it('normalises the href with new URL (punycode hosts, encoded spaces never appear since spaces end a link)', () => {
    expect(links('https://bücher.example/')[0]?.href).toBe('https://xn--bcher-kva.example/');
  });

  it('handles 64 KiB of text without spaces quickly', () => {
    const long = 'a'.repeat(64 * 1024);
    const started = performance.now();
    expect(splitLinks(long)).toEqual([{ kind: 'text', text: long }]);
    const longUrl = `https://example.com/${'b'.repeat(64 * 1024)}`;
    expect(links(longUrl)).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('describeLink names the real host and flags user names in front of it', () => {
    expect(describeLink('https://bank.example@evil.example/login')).toEqual({
      href: 'https://bank.example@evil.example/login',
      host: 'evil.example',
      hasCredentials: true,
      secure: true,
    });
    expect(describeLink('http://example.com:8080/')).toMatchObject({ host: 'example.com:8080', hasCredentials: false, secure: false });
    expect(describeLink('javascript:alert(1)')).toBeNull();
  });
});
