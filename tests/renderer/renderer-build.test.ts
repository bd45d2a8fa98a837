/**
 * The built page as the packaged app loads it: from inside app.asar over file:// (DESIGN §7). Asset URLs must be
 * relative (a root-absolute `/assets/…` would resolve to the file system's root), every one must exist, and the
 * page's Content-Security-Policy allows what the bundle needs and nothing more.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const RENDERER_DIR = fileURLToPath(new URL('../../out/renderer/', import.meta.url));
let html: string;

beforeAll(() => {
  const index = path.join(RENDERER_DIR, 'index.html');
  if (!existsSync(index)) throw new Error('out/renderer/index.html is missing: run `npm run build` first (`npm test` does).');
  html = readFileSync(index, 'utf8');
});

const assetUrls = () => [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((match) => match[1]!);

describe('the built renderer', () => {
  it('refers to its assets by relative URLs only, and each exists', () => {
    const urls = assetUrls();
    expect(urls.length).toBeGreaterThanOrEqual(2); // at least the script and the stylesheet
    for (const url of urls) {
      expect(url, url).toMatch(/^\.\//);
      expect(existsSync(path.join(RENDERER_DIR, url)), url).toBe(true);
    }
  });

  it('has no inline script and loads its code as a module', () => {
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/type="module"/);
      expect(attributes).toMatch(/src="\.\//);
      expect(body!.trim()).toBe('');
    }
    expect(html).not.toMatch(/\son[a-z]+="/i); // no inline event handlers
  });

  it('carries a strict Content-Security-Policy', () => {
    const csp = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(csp).toBeDefined();
    const directives = new Map(csp!.split(';').map((part) => {
      const [name, ...values] = part.trim().split(/\s+/);
      return [name!, values] as const;
    }));
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });
});
