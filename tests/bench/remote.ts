/**
 * The receiving end of the two-end measurements, in its own thread (a worker_threads Worker) or process (a child
 * of the same bundle): its own event loop and V8 heap, so it decrypts while this side encrypts, as two real peers
 * on two machines do. bench.ts starts its own bundle again in that role (`isReceiver()`), and talks to it through
 * a small request/reply channel: the receiver opens listeners on 127.0.0.1 (raw and bare sinks, PeerNodes, whole
 * AppServices with their stores on disk) and reports what arrived; all the data goes over loopback TCP, and all
 * timing is done by the sender, on its own clock.
 *
 * Nothing here can hang the bench: every request and every run has a deadline, and a receiver that fails or exits
 * rejects everything that waits on it, with a message saying so.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { PeerLimits } from '../../shared/protocol/limits';
import { cleanUp, startPeer } from '../helpers/peers';
import { startBulkSink } from './baselines';
import { openBenchApp } from './durable-scenarios';
import { openFilesBenchApp, sha256Of } from './files-apps';
import type { AppService } from '../../electron/core/app-service';
import { countMessages } from './peer-scenarios';
import { RssWatch, sleep, threadCpuMs, withTimeout } from './stats';

export type ReceiverKind = 'thread' | 'process';

const ROLE = 'peerline-bench-receiver';
const PROCESS_FLAG = `--${ROLE}`;
/** Starting the receiver and each setup request (a listener, a PeerNode, a count). */
const REQUEST_TIMEOUT_MS = 15_000;

type Request =
  | { cmd: 'sink'; kind: 'raw' | 'bare'; total: number }
  | { cmd: 'peer'; name: string; limits: Partial<PeerLimits> }
  | { cmd: 'app'; name: string; limits: Partial<PeerLimits> }
  | { cmd: 'received'; name: string; from: string }
  | { cmd: 'files-app'; name: string }
  | { cmd: 'accept-contact'; name: string; peer: string }
  | { cmd: 'transfer-status'; name: string; transfer: string }
  | { cmd: 'digest'; name: string; file: string }
  | { cmd: 'cpu' }
  | { cmd: 'rss-watch' }
  | { cmd: 'rss-peak' }
  | { cmd: 'close' };

type ToReceiver = { seq: number; request: Request };
type FromReceiver = { ready: true } | { seq: number; ok: true; value: unknown } | { seq: number; ok: false; error: string };

// -------------------------------------------------------------------------------------------------------------
// The receiver's side

/** Is this thread or process the receiving end? bench.ts asks before doing anything else. */
export function isReceiver(): boolean {
  if (!isMainThread) return (workerData as { role?: string } | null)?.role === ROLE;
  return process.argv.includes(PROCESS_FLAG) && typeof process.send === 'function';
}

/** Serves requests until told to close (or, as a child process, until the parent goes away). */
export function serveReceiver(): void {
  const post = (message: FromReceiver) => (parentPort ? parentPort.postMessage(message) : process.send!(message));
  const peers = new Map<string, (from: string) => number>();
  const fileApps = new Map<string, { app: AppService; downloads: string }>();
  const fileApp = (name: string) => {
    const found = fileApps.get(name);
    if (!found) throw new Error(`no files app named ${name} here`);
    return found;
  };
  const rss = new RssWatch();
  // A receiver process ends by exiting on SIGTERM (not killed by it), so `node --cpu-prof` writes its profile too.
  if (!parentPort) process.once('SIGTERM', () => process.exit(0));
  const handle = async (request: Request): Promise<unknown> => {
    switch (request.cmd) {
      case 'sink':
        return startBulkSink(request.kind, request.total);
      case 'peer': {
        const node = await startPeer(request.name, { limits: request.limits });
        node.on('log', () => {});
        peers.set(request.name, countMessages(node));
        return { id: node.id, port: node.port };
      }
      case 'app': {
        const app = await openBenchApp(request.name, request.limits);
        peers.set(request.name, app.received);
        return { id: app.service.node.id, port: app.service.node.port };
      }
      case 'received': {
        const count = peers.get(request.name);
        if (!count) throw new Error(`no peer named ${request.name} here`);
        return count(request.from);
      }
      case 'files-app': {
        const opened = await openFilesBenchApp(request.name, { autoAccept: true });
        fileApps.set(request.name, opened);
        return { id: opened.app.node.id, port: opened.app.node.port };
      }
      case 'accept-contact': {
        const { app } = fileApp(request.name);
        while (!app.contactSummaries().some((c) => c.peer === request.peer)) await sleep(5);
        await app.handlers['request:accept']({ peer: request.peer });
        return null;
      }
      case 'transfer-status':
        return fileApp(request.name).app.files.list().find((t) => t.transfer === request.transfer)?.status ?? null;
      case 'digest': {
        const { app, downloads } = fileApp(request.name);
        await app.close(); // its disk work is over: the digest is read with nothing else running here
        return sha256Of(`${downloads}/${request.file}`);
      }
      case 'cpu':
        return threadCpuMs();
      case 'rss-watch':
        return rss.watch();
      case 'rss-peak':
        return rss.peak();
      case 'close':
        await withTimeout(cleanUp(), 5_000, 'closing the receiver’s peers');
        return null;
    }
  };
  const onMessage = ({ seq, request }: ToReceiver) => {
    handle(request).then(
      (value) => post({ seq, ok: true, value }),
      (err: unknown) => post({ seq, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    );
  };
  if (parentPort) parentPort.on('message', onMessage);
  else {
    process.on('message', (message) => onMessage(message as ToReceiver));
    // An orphan must not linger: when the bench process goes away, so does its receiver.
    process.once('disconnect', () => void withTimeout(cleanUp(), 2_000, 'cleanup').finally(() => process.exit(0)));
  }
  post({ ready: true });
}

// -------------------------------------------------------------------------------------------------------------
// The bench's side

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

/** A handle on the running receiver. */
export class RemoteReceiver {
  /** Rejects, with the reason, when the receiver fails or exits unasked. Every wait races against it. */
  readonly lost: Promise<never>;
  private fail!: (err: Error) => void;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private closing = false;
  private readonly ready: Promise<void>;
  private markReady!: () => void;
  private readonly send: (message: ToReceiver) => void;
  private readonly stop: () => Promise<unknown>;
  private readonly exited: Promise<void>;

  private constructor(readonly kind: ReceiverKind, entry: URL) {
    this.lost = new Promise<never>((_, reject) => (this.fail = reject));
    this.lost.catch(() => {});
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    const name = kind === 'thread' ? 'receiver thread' : 'receiver process';
    const onMessage = (message: FromReceiver) => {
      if ('ready' in message) return this.markReady();
      const waiting = this.pending.get(message.seq);
      this.pending.delete(message.seq);
      if (message.ok) waiting?.resolve(message.value);
      else waiting?.reject(new Error(`the ${name} failed a request: ${message.error}`));
    };
    const onLost = (why: string) => {
      const err = new Error(`the ${name} ${why}`);
      this.fail(err);
      for (const waiting of this.pending.values()) waiting.reject(err);
      this.pending.clear();
    };
    let onExit!: () => void;
    this.exited = new Promise<void>((resolve) => (onExit = resolve));
    if (kind === 'thread') {
      const worker = new Worker(entry, { workerData: { role: ROLE } });
      worker.on('message', onMessage);
      worker.on('error', (err) => onLost(`threw: ${err.stack ?? err.message}`));
      worker.on('exit', (code) => {
        onExit();
        if (!this.closing) onLost(`exited unexpectedly (code ${code})`);
      });
      this.send = (message) => worker.postMessage(message);
      this.stop = () => worker.terminate();
    } else {
      const child: ChildProcess = fork(fileURLToPath(entry), [PROCESS_FLAG], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      child.on('message', (message) => onMessage(message as FromReceiver));
      child.on('error', (err) => onLost(`failed: ${err.message}`));
      child.on('exit', (code, signal) => {
        onExit();
        if (!this.closing) onLost(`exited unexpectedly (${signal ? `signal ${signal}` : `code ${code}`})`);
      });
      this.send = (message) => child.send(message);
      this.stop = async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill();
      };
      // However the bench ends, the child ends with it, even one too stuck to notice that its parent has gone.
      process.once('exit', () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
    }
  }

  /** Starts the receiver from the bundle at `entry` (bench.ts passes its own URL) and waits until it serves. */
  static async start(kind: ReceiverKind, entry: URL): Promise<RemoteReceiver> {
    const receiver = new RemoteReceiver(kind, entry);
    await receiver.guard(receiver.ready, REQUEST_TIMEOUT_MS, `starting the receiver ${kind}`);
    return receiver;
  }

  /** `run`, unless the receiver is lost first or `timeoutMs` passes: then a rejection that says which. */
  guard<T>(run: Promise<T>, timeoutMs: number, what: string): Promise<T> {
    const explained = run.catch(async (err: unknown) => {
      // A reset connection is often the first sign of a receiver that died: if it did, say that instead.
      await Promise.race([this.lost, sleep(200)]);
      throw err;
    });
    return withTimeout(Promise.race([explained, this.lost]), timeoutMs, `${what} (is the receiver ${this.kind} stuck?)`);
  }

  private request<T>(request: Request, what: string): Promise<T> {
    const seq = ++this.seq;
    const reply = new Promise<T>((resolve, reject) => this.pending.set(seq, { resolve: resolve as (value: unknown) => void, reject }));
    this.send({ seq, request });
    return this.guard(reply, REQUEST_TIMEOUT_MS, what);
  }

  /** A one-connection bulk receiver (see `startBulkSink`); resolves with its port. */
  sink(kind: 'raw' | 'bare', total: number): Promise<number> {
    return this.request({ cmd: 'sink', kind, total }, `opening a ${kind} bulk receiver`);
  }

  /** A listening PeerNode over there, with `limits`; it counts the chats it shows its app. */
  startPeer(name: string, limits: Partial<PeerLimits>): Promise<{ id: string; port: number }> {
    return this.request({ cmd: 'peer', name, limits }, `starting peer ${name}`);
  }

  /**
   * A listening AppService over there (the whole app: its store on disk in a temporary directory, the node's
   * inbox), with `limits`; it counts the chats it stores and tells its app.
   */
  startApp(name: string, limits: Partial<PeerLimits>): Promise<{ id: string; port: number }> {
    return this.request({ cmd: 'app', name, limits }, `starting app ${name}`);
  }

  /**
   * A listening AppService over there that receives files: its own store and download folder in temporary
   * directories, every offer accepted by itself.
   */
  startFilesApp(name: string): Promise<{ id: string; port: number }> {
    return this.request({ cmd: 'files-app', name }, `starting files app ${name}`);
  }

  /** The files app `name` accepts `peer`'s message request (once it has seen it): they are contacts. */
  acceptContact(name: string, peer: string): Promise<null> {
    return this.request({ cmd: 'accept-contact', name, peer }, `${name} accepting ${peer.slice(0, 8)}`);
  }

  /** The status of a transfer on the files app `name`, or null if it does not know it. */
  transferStatus(name: string, transfer: string): Promise<string | null> {
    return this.request({ cmd: 'transfer-status', name, transfer }, `asking ${name} about a transfer`);
  }

  /** Closes the files app `name` and reads the SHA-256 of `file` in its download folder. */
  digest(name: string, file: string): Promise<string> {
    return this.request({ cmd: 'digest', name, file }, `${name} reading a received file`);
  }

  /** How many chats from `from` the peer or app `name` has shown its app so far. */
  received(name: string, from: string): Promise<number> {
    return this.request({ cmd: 'received', name, from }, `asking ${name} what it received`);
  }

  /**
   * Starts watching the receiving end's RSS (its process's: with a receiver thread, the whole process) and
   * returns it now; `rssPeak` stops and returns the highest seen, in bytes.
   */
  rssWatch(): Promise<number> {
    return this.request({ cmd: 'rss-watch' }, 'starting the receiver’s RSS watch');
  }

  rssPeak(): Promise<number> {
    return this.request({ cmd: 'rss-peak' }, 'asking the receiver for its RSS peak');
  }

  /** CPU time the receiving thread has used so far (see `threadCpuMs`), or null where it cannot tell. */
  cpuMs(): Promise<number | null> {
    return this.request({ cmd: 'cpu' }, 'asking the receiver for its CPU time');
  }

  /** Closes the receiver's peers (bye, temporary data directories removed), then ends the thread or process. */
  async close(): Promise<void> {
    try {
      await this.request({ cmd: 'close' }, 'closing the receiver');
    } finally {
      this.closing = true;
      await this.stop();
      await withTimeout(this.exited, 5_000, `waiting for the receiver ${this.kind} to exit`).catch(() => {});
    }
  }
}
