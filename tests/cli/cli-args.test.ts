import { describe, expect, it } from 'vitest';
import { parseCliArgs, UsageError, USAGE, type CliOptions } from '../../electron/cli/args';
import { defaultDataDir } from '../../electron/core/data-dir';
import { DEFAULT_LISTEN_HOST, DEFAULT_PORT } from '../../shared/protocol/limits';

const parse = (...argv: string[]) => parseCliArgs(argv) as CliOptions;

describe('parseCliArgs', () => {
  it('defaults: all interfaces, port 8000, no name given, the app data dir, plain peers allowed, interactive, no UI', () => {
    expect(parseCliArgs([])).toEqual({
      host: DEFAULT_LISTEN_HOST,
      port: DEFAULT_PORT,
      dataDir: defaultDataDir(),
      allowPlain: true,
      acceptStrangers: false,
      json: false,
      ui: false,
      uiPort: 0,
      dht: false,
      discover: false,
    });
    expect(DEFAULT_LISTEN_HOST).toBe('0.0.0.0');
    expect(DEFAULT_PORT).toBe(8000);
  });

  it('takes every flag', () => {
    expect(parse('--host', '127.0.0.1', '--port', '9001', '--name', '  Alice  ', '--data-dir', '/tmp/x', '--no-plain', '--accept-strangers', '--json', '--ui', '--ui-port', '9100', '--discover')).toEqual({
      host: '127.0.0.1',
      port: 9001,
      name: 'Alice',
      dataDir: '/tmp/x',
      allowPlain: false,
      acceptStrangers: true,
      json: true,
      ui: true,
      uiPort: 9100,
      dht: false,
      discover: true,
    });
    expect(() => parse('--ui-port', 'x')).toThrow(new UsageError('--ui-port must be a number from 0 to 65535, not "x".'));
    expect(parse('--port=8123').port).toBe(8123);
  });

  it('--port 0 means any free port; 65535 is the last', () => {
    expect(parse('--port', '0').port).toBe(0);
    expect(parse('--port', '65535').port).toBe(65535);
  });

  it.each(['-1', '65536', '1.5', 'abc', '80a', '', ' ', '0x50', '1e3', 'Infinity'])('refuses --port %j with a sentence', (port) => {
    expect(() => parseCliArgs([`--port=${port}`])).toThrow(UsageError);
    expect(() => parseCliArgs([`--port=${port}`])).toThrow(`--port must be a number from 0 to 65535, not "${port}".`);
  });

  it('--no-plain refuses plain-text peers; without it they are allowed', () => {
    expect(parse('--no-plain').allowPlain).toBe(false);
    expect(parse().allowPlain).toBe(true);
  });

  it('--help and -h ask for the usage, whatever else is given', () => {
    expect(parseCliArgs(['--help'])).toBe('help');
    expect(parseCliArgs(['-h'])).toBe('help');
    expect(parseCliArgs(['--json', '--help'])).toBe('help');
    expect(USAGE).toMatch(/^Usage: peerline \[options\]/);
    for (const flag of ['--host', '--port', '--name', '--data-dir', '--no-plain', '--json', '--ui', '--ui-port', '--help']) expect(USAGE).toContain(flag);
  });

  it('the usage lists every interactive command, as /help shows them', () => {
    const interactive = USAGE.slice(USAGE.indexOf('Interactive commands:'));
    for (const command of ['/connect HOST:PORT', '/plain HOST:PORT', '/contacts', '/to N | NAME', '/history [N]', '/verify [yes|no]', '/approve', '/peers', '/quit']) {
      expect(interactive).toContain(`  ${command} `);
    }
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['-x'], /Unknown option '-x'/],
    [['stray'], /positional argument/],
    [['--port'], /--port/],
    [['--json=yes'], /--json/],
  ])('%j is a UsageError', (argv, message) => {
    let error: unknown;
    try {
      parseCliArgs(argv);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).name).toBe('UsageError');
    expect((error as Error).message).toMatch(message);
  });

  it('an empty --name is a UsageError', () => {
    expect(() => parseCliArgs(['--name', '   '])).toThrow(new UsageError('--name cannot be empty.'));
  });

  it('--dht turns reaching by key on (off unless asked); --dht-bootstrap lists HOST:PORT nodes', () => {
    expect(parse('--dht').dht).toBe(true);
    expect(parse('--no-dht').dht).toBe(false);
    expect(parse('--dht', '--dht-bootstrap', '127.0.0.1:49737, [::1]:5000,node.example:1').dhtBootstrap).toEqual([
      { host: '127.0.0.1', port: 49737 },
      { host: '::1', port: 5000 },
      { host: 'node.example', port: 1 },
    ]);
    expect(parse('--dht').dhtBootstrap).toBeUndefined();
  });

  it('hostile --dht flags are UsageErrors with a sentence', () => {
    expect(() => parse('--dht', '--no-dht')).toThrow(new UsageError('Give --dht or --no-dht, not both.'));
    expect(() => parse('--dht-bootstrap', '')).toThrow(/needs HOST:PORT nodes/);
    expect(() => parse('--dht-bootstrap', ',,,')).toThrow(/needs HOST:PORT nodes/);
    expect(() => parse('--dht-bootstrap', '127.0.0.1')).toThrow(/needs a port/);
    expect(() => parse('--dht-bootstrap', '127.0.0.1:99999')).toThrow(/Port must be/);
    expect(() => parse('--dht-bootstrap', 'http://x:1')).toThrow(/--dht-bootstrap: Leave out/);
    expect(() => parse('--dht-bootstrap', Array.from({ length: 17 }, (_, i) => `10.0.0.${i}:1`).join(','))).toThrow(/at most 16/);
  });

  it('--group-links N keeps N sessions per group (absent: the default); anything but 0 to 49 is a UsageError', () => {
    expect(parse('--group-links', '0').groupLinks).toBe(0);
    expect(parse('--group-links', '5').groupLinks).toBe(5);
    expect(parse().groupLinks).toBeUndefined();
    expect(() => parse('--group-links', '-1')).toThrow(UsageError);
    for (const bad of ['', '50', '1e1', '0x3', ' 3', '999']) expect(() => parse('--group-links', bad)).toThrow(/--group-links must be a number from 0 to 49/);
  });

  it('--dht-relay takes a relay key (none unless given); --dht-relay-only goes only through it', () => {
    const key = 'Ab'.repeat(32);
    expect(parse('--dht').dhtRelay).toBeUndefined();
    expect(parse('--dht', '--dht-relay', key).dhtRelay).toEqual({ key: Buffer.from(key, 'hex'), only: false });
    expect(parse('--dht', '--dht-relay', key, '--dht-relay-only').dhtRelay).toEqual({ key: Buffer.from(key, 'hex'), only: true });
  });

  it('hostile --dht-relay values are UsageErrors with a sentence', () => {
    expect(() => parse('--dht-relay-only')).toThrow(/--dht-relay-only needs --dht-relay KEY/);
    expect(() => parse('--dht-relay', '')).toThrow(/64 hex digits/);
    expect(() => parse('--dht-relay', 'ab'.repeat(31))).toThrow(/64 hex digits/);
    expect(() => parse('--dht-relay', 'zz'.repeat(32))).toThrow(/64 hex digits/);
    expect(() => parse('--dht-relay', 'ab'.repeat(5000))).toThrow(/64 hex digits/);
  });
});
