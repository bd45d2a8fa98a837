/**
 * Files in the command line: the `--json` commands (`file-send`, `file-accept`, `file-decline`, `file-cancel`,
 * `file-pause`, `file-resume`, `transfers`) and events (`file-offered`, `file-offer`, `file-progress`,
 * `file-done`, `file-failed`), and the interactive `/send PATH`, `/accept`, `/decline`, `/transfers`,
 * `/pause N`, `/resume N`, `/cancel N`.
 */
import { AppError } from '../../shared/ipc/result';
import { isDangerousName } from '../../shared/files/names';
import type { FilesFeature, TransferView } from '../core/features/files/files';
import { terminalLine } from './terminal';

type Emit = (event: Record<string, unknown>) => void;

/** `--json`: the feature's events as NDJSON events. */
export function fileJsonEvents(files: FilesFeature, emit: Emit): void {
  files.on('offer', ({ peer, transfer, items, total }) => emit({ event: 'file-offer', peer, transfer, items, total }));
  files.on('progress', ({ transfer, bytes, total, bytesPerSecond }) => emit({ event: 'file-progress', transfer, bytes, total, bytesPerSecond }));
  files.on('file-done', ({ transfer, path, sha256 }) => emit({ event: 'file-done', transfer, path, sha256 }));
  files.on('failed', ({ transfer, reason }) => emit({ event: 'file-failed', transfer, reason }));
}

const TRANSFER_COMMANDS = {
  'file-accept': 'accept',
  'file-decline': 'decline',
  'file-cancel': 'cancel',
  'file-pause': 'pause',
  'file-resume': 'resume',
} as const;

export function isFileCommand(cmd: string): boolean {
  return cmd === 'file-send' || cmd === 'transfers' || Object.hasOwn(TRANSFER_COMMANDS, cmd);
}

/** Runs a `--json` file command; a refusal becomes an `error` event through `fail`. */
export function runFileCommand(files: FilesFeature, cmd: string, own: (name: string) => unknown, emit: Emit, fail: (message: string) => void): void {
  const text = (name: string): string | null => {
    const value = own(name);
    if (typeof value === 'string' && value.length > 0) return value;
    fail(`"${cmd}" needs the string field "${name}".`);
    return null;
  };
  const failed = (err: unknown) => fail(err instanceof AppError ? err.message : `That command failed: ${(err as Error).message}`);
  // Incoming transfers also say what this run hashed (a resume hashes nothing verified before: rehashedBytes 0).
  if (cmd === 'transfers') return emit({ event: 'transfers', transfers: files.list().map((view) => (view.direction === 'in' ? { ...view, ...files.hashing(view.transfer) } : view)) });
  if (cmd === 'file-send') {
    const peer = text('peer');
    const path = peer === null ? null : text('path');
    if (peer === null || path === null) return;
    void files.send(peer, path).then((view) => emit({ event: 'file-offered', peer, transfer: view.transfer, files: view.files, total: view.total, status: view.status }), failed);
    return;
  }
  const transfer = text('transfer');
  if (transfer === null) return;
  void files[TRANSFER_COMMANDS[cmd as keyof typeof TRANSFER_COMMANDS]](transfer).catch(failed);
}

function size(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

function describe(view: TransferView, nameOf: (peer: string) => string): string {
  const what = `${terminalLine(view.name)}${view.files > 1 ? ` (${view.files} files)` : ''}`;
  const who = view.direction === 'out' ? `to ${nameOf(view.peer)}` : `from ${nameOf(view.peer)}`;
  const percent = view.total === 0 ? 100 : Math.floor((view.bytes * 100) / view.total);
  const speed = view.bytesPerSecond > 0 && view.status !== 'done' ? `, ${size(view.bytesPerSecond)}/s${view.etaSeconds !== undefined ? `, ${view.etaSeconds} s left` : ''}` : '';
  const reason = view.reason !== undefined && view.status !== 'done' ? `: ${terminalLine(view.reason)}` : '';
  return `${what} ${who}, ${size(view.total)}: ${view.status} ${percent}%${speed}${reason}`;
}

/** The interactive commands and notices. */
export function fileCommands(files: FilesFeature, print: (...lines: string[]) => void, nameOf: (peer: string) => string) {
  /** What `/transfers` showed last: `/cancel N` means shown[N - 1]. */
  let shown: TransferView[] = [];
  /** Offers not yet answered, newest last: `/accept` alone takes the newest. */
  const offers: string[] = [];

  files.on('offer', ({ peer, transfer, items, total, freeBytes }) => {
    offers.push(transfer);
    const first = items[0]!.name.split('/')[0]!;
    const warn = items.some((item) => isDangerousName(item.name)) ? ' — careful: it holds a program or script' : '';
    print(
      `* ${nameOf(peer)} offers ${terminalLine(first)}${items.length > 1 ? ` (${items.length} files)` : ''}, ${size(total)}${freeBytes !== undefined ? ` (${size(freeBytes)} free)` : ''}${warn}`,
      `* /accept to receive it into ${files.downloadDir}, /decline to refuse`,
    );
  });
  files.on('file-done', ({ path }) => print(`* received ${terminalLine(path)}${isDangerousName(path) ? ' (a program or script: open it only if you trust it)' : ''}`));
  files.on('failed', ({ transfer, reason }) => print(`* transfer ${transfer.slice(0, 8)} ended: ${terminalLine(reason)}`));
  files.on('updated', (view) => {
    if (view.status === 'done' && view.direction === 'out') print(`* sent ${describe(view, nameOf)}`);
    if (view.status === 'paused' && view.paused.includes('disk')) print(`* ${describe(view, nameOf)} (the disk is full; it goes on by itself once there is space)`);
  });

  const act = (verb: 'accept' | 'decline' | 'pause' | 'resume' | 'cancel', transfer: string) =>
    void files[verb](transfer).then(
      (view) => print(`* ${describe(view, nameOf)}`),
      (err: unknown) => print(`! ${(err as Error).message}`),
    );
  const numbered = (word: string, argument: string): string | null => {
    const view = shown[(/^[0-9]+$/.test(argument) ? Number(argument) : NaN) - 1];
    if (view === undefined) print(`! ${word} N takes the number of a transfer from /transfers.`);
    return view?.transfer ?? null;
  };

  return {
    /** `/accept` and `/decline` with no number are about files; with one, about message requests. */
    handles: (word: string, argument: string): boolean =>
      ['/send', '/transfers', '/pause', '/resume', '/cancel'].includes(word) || ((word === '/accept' || word === '/decline') && argument === ''),
    run(word: string, argument: string, current: string | null): void {
      switch (word) {
        case '/send':
          if (current === null) return print('! /send PATH sends to the current contact: /to N first.');
          if (argument === '') return print('! /send PATH: the file or folder to send.');
          return void files.send(current, argument).then(
            (view) => print(`* ${describe(view, nameOf)}${view.status === 'waiting' ? ' — it goes when they are back' : ''}`),
            (err: unknown) => print(`! ${(err as Error).message}`),
          );
        case '/accept':
        case '/decline': {
          const transfer = offers.pop();
          if (transfer === undefined) return print('! No file offer waits for an answer (/accept N is for message requests).');
          return act(word === '/accept' ? 'accept' : 'decline', transfer);
        }
        case '/transfers':
          shown = files.list();
          if (shown.length === 0) return print('* no transfers');
          return print(...shown.map((view, i) => `  ${i + 1}. ${describe(view, nameOf)}`), '* /pause N, /resume N, /cancel N');
        default: {
          const transfer = numbered(word, argument);
          if (transfer !== null) act(word.slice(1) as 'pause' | 'resume' | 'cancel', transfer);
        }
      }
    },
  };
}
