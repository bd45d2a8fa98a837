import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The bundled CLI; `npm test` builds it first (`npm run build`). */
export const CLI_PATH = fileURLToPath(new URL('../../out/cli/peerline.js', import.meta.url));

/** One event of `peerline --json`: an object with an `event` field and its payload. */
export type CliEvent = { event: string } & Record<string, unknown>;

export type EventMatch = string | ((event: CliEvent) => boolean);

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const running = new Set<CliProcess>();

/** Throws a sentence that says what to do when the CLI has not been built. */
export function assertCliBuilt(): void {
  if (!existsSync(CLI_PATH)) {
    throw new Error(`${CLI_PATH} does not exist: run \`npm run build\` first (\`npm test\` does it for you).`);
  }
}

/**
 * A running `peerline` child process with its output captured. In `--json` mode each stdout line is parsed as an
 * event; a line that is not a JSON object lands in `badLines` (the contract says stdout carries only events).
 */
export class CliProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly events: CliEvent[] = [];
  readonly badLines: string[] = [];
  stdout = '';
  stderr = '';
  exit: Exit | null = null;
  readonly exited: Promise<Exit>;
  private partial = '';
  private readonly waiters = new Set<() => void>();

  /** `wrap`: a command the CLI runs under (`nsenter -t PID -n`: inside a test's network namespace). */
  constructor(args: string[], wrap: string[] = []) {
    assertCliBuilt();
    const command = [...wrap, process.execPath, CLI_PATH, ...args];
    this.child = spawn(command[0]!, command.slice(1), { stdio: 'pipe', env: { ...process.env, NO_COLOR: '1' } });
    running.add(this);
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stdout.on('data', (text: string) => {
      this.stdout += text;
      this.parse(text);
      this.wake();
    });
    this.child.stderr.on('data', (text: string) => {
      this.stderr += text;
      this.wake();
    });
    // Writing to a child that already quit is not this helper's failure: the test's waits report it.
    this.child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal };
        running.delete(this);
        this.wake();
        resolve(this.exit);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Writes one line to stdin: an object as JSON, a string as it is. */
  send(command: Record<string, unknown> | string): void {
    this.child.stdin.write((typeof command === 'string' ? command : JSON.stringify(command)) + '\n');
  }

  /** Closes stdin (end of input). */
  endInput(): void {
    this.child.stdin.end();
  }

  /** How many events have arrived so far: pass it as `since` to wait only for later ones. */
  get mark(): number {
    return this.events.length;
  }

  /** Resolves with the first event at index `since` or later that matches; rejects after `timeoutMs` or on exit. */
  waitFor(match: EventMatch, opts: { since?: number; timeoutMs?: number } = {}): Promise<CliEvent> {
    const test = typeof match === 'string' ? (e: CliEvent) => e.event === match : match;
    const since = opts.since ?? 0;
    const what = typeof match === 'string' ? `a "${match}" event` : `an event matching ${match.toString()}`;
    return this.until(() => this.events.slice(since).find(test), what, opts.timeoutMs);
  }

  /** Every event of kind `name` so far. */
  all(name: string): CliEvent[] {
    return this.events.filter((e) => e.event === name);
  }

  /** Resolves once stdout (from character `since`) matches `pattern`; resolves with the match. */
  waitForOutput(pattern: RegExp | string, opts: { since?: number; timeoutMs?: number } = {}): Promise<RegExpExecArray | string> {
    const since = opts.since ?? 0;
    return this.until(
      () => {
        const text = this.stdout.slice(since);
        if (typeof pattern === 'string') return text.includes(pattern) ? pattern : undefined;
        return pattern.exec(text) ?? undefined;
      },
      `stdout to show ${String(pattern)}`,
      opts.timeoutMs,
    );
  }

  /** Resolves once stderr matches `pattern`. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray> {
    return this.until(() => pattern.exec(this.stderr) ?? undefined, `stderr to show ${String(pattern)}`, timeoutMs);
  }

  /** Resolves with the exit status; rejects if the process is still running after `timeoutMs`. */
  async waitForExit(timeoutMs = 10_000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`peerline (pid ${this.pid}) did not exit within ${timeoutMs} ms${this.describe()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the process (SIGKILL) unless it has exited, and waits for it. */
  async kill(): Promise<void> {
    if (this.exit === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  private until<T>(find: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found !== undefined) return done(() => resolve(found));
        if (this.exit !== null) done(() => reject(new Error(`peerline exited (${JSON.stringify(this.exit)}) before ${what}${this.describe()}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${this.describe()}`))), timeoutMs);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        settle();
      };
      this.waiters.add(check);
      check();
    });
  }

  private parse(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) {
      if (line === '') continue;
      try {
        const value: unknown = JSON.parse(line);
        if (typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as CliEvent).event === 'string') {
          this.events.push(value as CliEvent);
          continue;
        }
      } catch {
        // falls through: not an event
      }
      this.badLines.push(line);
    }
  }

  private wake(): void {
    for (const check of [...this.waiters]) check();
  }

  private describe(): string {
    const tail = (s: string) => (s.length > 1500 ? '…' + s.slice(-1500) : s);
    return `\n--- stdout ---\n${tail(this.stdout)}\n--- stderr ---\n${tail(this.stderr)}`;
  }
}

export interface CliOptions {
  name?: string;
  dataDir: string;
  /** Extra flags, after the defaults (127.0.0.1, any port, the data dir, the name, `--accept-strangers`). */
  args?: string[];
  /** Strangers are message requests, as for a person; by default they are accepted (`--accept-strangers`), since these peers chat. */
  requests?: boolean;
  /** A command to run the CLI under (see CliProcess). */
  wrap?: string[];
}

/** Starts `peerline --json` on 127.0.0.1, any port, and waits for its `listening` event. */
export async function startJsonCli(opts: CliOptions): Promise<{ cli: CliProcess; port: number; id: string }> {
  const cli = new CliProcess(['--json', ...defaultArgs(opts)], opts.wrap);
  const listening = await cli.waitFor('listening');
  return { cli, port: listening.port as number, id: listening.id as string };
}

/** `from` (a --json peerline) dials 127.0.0.1:`to.port` and waits until it is connected to `to.id`. */
export async function connectJsonCli(from: CliProcess, to: { port: number; id: string }): Promise<void> {
  const mark = from.mark;
  from.send({ cmd: 'connect', address: `127.0.0.1:${to.port}` });
  await from.waitFor((e) => e.event === 'connected' && e.peer === to.id, { since: mark });
}

/** Starts the interactive `peerline` (no --json) with piped stdin, and waits for its banner. */
export async function startInteractiveCli(opts: CliOptions): Promise<{ cli: CliProcess; port: number; fingerprint: string }> {
  const cli = new CliProcess(defaultArgs(opts), opts.wrap);
  const listening = (await cli.waitForOutput(/listening on [0-9.]+:(\d+)\n/)) as RegExpExecArray;
  const fingerprint = (await cli.waitForOutput(/your fingerprint: ([A-Z2-7]{4}(?: [A-Z2-7]{4}){3})\n/)) as RegExpExecArray;
  return { cli, port: Number(listening[1]), fingerprint: fingerprint[1]! };
}

/** Runs `peerline ARGS` to completion (for --help and bad flags). */
export async function runCli(args: string[], timeoutMs = 10_000): Promise<{ exit: Exit; stdout: string; stderr: string }> {
  const cli = new CliProcess(args);
  cli.endInput();
  const exit = await cli.waitForExit(timeoutMs);
  return { exit, stdout: cli.stdout, stderr: cli.stderr };
}

/** Kills every child this helper started that is still running; for `afterEach`. */
export async function stopAllClis(): Promise<void> {
  await Promise.all([...running].map((cli) => cli.kill()));
}

function defaultArgs(opts: CliOptions): string[] {
  return ['--host', '127.0.0.1', '--port', '0', '--data-dir', opts.dataDir, ...(opts.name ? ['--name', opts.name] : []), ...(opts.requests ? [] : ['--accept-strangers']), ...(opts.args ?? [])];
}
