/**
 * A hostile sender (Mallory, a bare node speaking files/1 by hand) against a real app (Bob). Each case ends with a
 * sentence in Bob's events, nothing written outside Bob's download folder, and the session still carrying chat
 * and other transfers.
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FILES_CHANNEL } from '../../electron/core/features/files/codec';
import { nodeDisk } from '../../electron/core/features/files/disk';
import type { FilesMessage, OfferItem } from '../../electron/core/features/files/messages';
import { fileDigest } from '../../electron/core/features/files/receive-plan';
import type { ChannelSession } from '../../electron/core/channels';
import { BLOCK_BYTES, HASH_ALGORITHM, MAX_OFFER_ITEMS, MAX_PENDING_OFFERS_PER_PEER } from '../../shared/files/limits';
import { eventsOf } from '../helpers/app';
import { fileEventsOf, openFilesApp, type FilesApp } from '../helpers/files';
import { cleanUp, startPeer, tempDir, waitUntil, type TestPeer } from '../helpers/peers';

afterEach(cleanUp);

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest();

interface Mallory {
  node: TestPeer;
  session: ChannelSession<FilesMessage>;
  received: FilesMessage[];
  bob: FilesApp;
}

/** Mallory dials Bob, and Bob accepts her as a contact: she may offer files. */
async function mallory(opts: { accept?: boolean; bob?: FilesApp } = {}): Promise<Mallory> {
  const bob = opts.bob ?? (await openFilesApp('Bob'));
  const node = await startPeer('Mallory');
  const received: FilesMessage[] = [];
  node.channel(FILES_CHANNEL, { message: (_session, message) => void received.push(message) });
  await node.connect('127.0.0.1', bob.service.node.port);
  await waitUntil(() => eventsOf(bob, 'peer:updated').some((c) => c.peer === node.id && c.state === 'online'), 'Bob sees Mallory');
  if (opts.accept !== false) await bob.handlers['request:accept']({ peer: node.id });
  const session = node.session(bob.service.node.id as never, FILES_CHANNEL)!;
  return { node, session, received, bob };
}

function newId(): Uint8Array {
  return new Uint8Array(randomBytes(16));
}

function offer(transfer: Uint8Array, items: OfferItem[], extra: Partial<Extract<FilesMessage, { type: 'offer' }>> = {}): FilesMessage {
  const total = items.reduce((sum, item) => sum + (Number.isFinite(item.size) ? item.size : 0), 0);
  return { type: 'offer', transfer, algorithm: HASH_ALGORITHM, blockBytes: BLOCK_BYTES, itemCount: items.length, totalBytes: total, first: 0, last: true, items, ...extra };
}

async function reply(m: Mallory, transfer: Uint8Array, type: FilesMessage['type']): Promise<Extract<FilesMessage, { reason: string }>> {
  const hex = Buffer.from(transfer).toString('hex');
  await waitUntil(() => m.received.some((r) => r.type === type && Buffer.from(r.transfer).toString('hex') === hex), `Mallory gets a ${type}`);
  return m.received.find((r) => r.type === type && Buffer.from(r.transfer).toString('hex') === hex) as never;
}

/** Offers one file, has Bob accept it, and returns the first want. */
async function acceptedFile(m: Mallory, size: number, name = 'f.bin') {
  const transfer = newId();
  m.session.send(offer(transfer, [{ path: name, size, kind: 0 }]));
  await waitUntil(() => fileEventsOf(m.bob, 'offer').some((o) => o.transfer === Buffer.from(transfer).toString('hex')), 'Bob sees the offer');
  const id = Buffer.from(transfer).toString('hex');
  await m.bob.service.files.accept(id);
  const want = (await reply(m, transfer, 'want')) as unknown as Extract<FilesMessage, { type: 'want' }>;
  return { transfer, id, epoch: want.epoch };
}

/** Sends one block of `data` (chunks, then the digest given or the true one). */
function sendBlock(m: Mallory, transfer: Uint8Array, epoch: number, block: number, data: Uint8Array, digest: Uint8Array = sha(data)): void {
  const base = block * BLOCK_BYTES;
  for (let at = 0; at < data.length; at += 64 * 1024) void m.session.sendBulk({ type: 'chunk', transfer, epoch, item: 0, offset: base + at, data: data.subarray(at, at + 64 * 1024) });
  void m.session.sendBulk({ type: 'block', transfer, epoch, item: 0, block, digest });
}

async function failedWith(bob: FilesApp, id: string, reason: RegExp): Promise<void> {
  await waitUntil(() => fileEventsOf(bob, 'failed').some((f) => f.transfer === id), 'the transfer fails');
  expect(fileEventsOf(bob, 'failed').find((f) => f.transfer === id)!.reason).toMatch(reason);
}

/** The session still carries chat both ways, and nothing is in Bob's downloads but `allowed`. */
async function carriesOn(m: Mallory, allowed: (name: string) => boolean = () => false): Promise<void> {
  expect(m.bob.service.node.isConnected(m.node.id as never)).toBe(true);
  const id = m.node.send(m.bob.service.node.id, 'still here');
  await waitUntil(() => m.bob.events.some((e) => e.event === 'message:received' && (e.payload as { id: string }).id === id), 'chat still arrives');
  const names = await readdir(m.bob.downloads, { recursive: true }).catch(() => [] as string[]);
  expect(names.filter((n) => !allowed(String(n)) && !String(n).endsWith('.peerline-part'))).toEqual([]);
}

describe('a hostile sender of files', () => {
  it.each([
    ['../escape.txt', /step in a path/],
    ['..\\escape.txt', /Windows separator/],
    ['/etc/passwd', /absolute/],
    ['C:\\x', /Windows separator/],
    ['\\\\?\\C:\\x', /Windows separator/],
    ['%2e%2e/x', /encoded/],
    ['CON.txt', /device name/],
    ['a.txt:stream', /NTFS stream/],
    ['x\u202etxt.exe', /direction-changing/],
    ['trailing. ', /end in a dot or a space/],
    ['a'.repeat(256), /255 bytes/],
  ])('an offer named %j is declined with the rule it breaks, nothing written', async (name, reason) => {
    const m = await mallory();
    const transfer = newId();
    m.session.send(offer(transfer, [{ path: name, size: 1, kind: 0 }]));
    expect((await reply(m, transfer, 'decline')).reason).toMatch(reason);
    expect(fileEventsOf(m.bob, 'offer')).toEqual([]);
    await carriesOn(m);
  });

  it.each([
    ['negative', -1, /-1 bytes, which is no size/],
    ['fractional', 1.5, /1.5 bytes, which is no size/],
    ['beyond 2^53', 2 ** 60, /which is no size/],
    ['not a number', Number.NaN, /NaN bytes/],
  ])('a %s declared size is declined', async (_what, size, reason) => {
    const m = await mallory();
    const transfer = newId();
    m.session.send(offer(transfer, [{ path: 'x', size, kind: 0 }], { totalBytes: 0 }));
    expect((await reply(m, transfer, 'decline')).reason).toMatch(reason);
  });

  it('a symlink entry, NFC/NFD and case duplicates, and a wrong total are declined', async () => {
    const m = await mallory();
    const cases: Array<[OfferItem[], RegExp]> = [
      [[{ path: 'link', size: 0, kind: 1 }], /symbolic link/],
      [[{ path: 'caf\u00e9', size: 1, kind: 0 }, { path: 'cafe\u0301', size: 1, kind: 0 }], /same name/],
      [[{ path: 'A', size: 1, kind: 0 }, { path: 'a', size: 1, kind: 0 }], /same name/],
    ];
    for (const [items, reason] of cases) {
      const transfer = newId();
      m.session.send(offer(transfer, items));
      expect((await reply(m, transfer, 'decline')).reason).toMatch(reason);
    }
    const transfer = newId();
    m.session.send(offer(transfer, [{ path: 'x', size: 5, kind: 0 }], { totalBytes: 4 }));
    expect((await reply(m, transfer, 'decline')).reason).toMatch(/5 bytes in all|declares 4 bytes/);
    await carriesOn(m);
  });

  it('more items than the limit are declined at the first part, before any is kept', async () => {
    const m = await mallory();
    const transfer = newId();
    m.session.send(offer(transfer, [{ path: 'x', size: 1, kind: 0 }], { itemCount: MAX_OFFER_ITEMS + 1, last: false }));
    expect((await reply(m, transfer, 'decline')).reason).toMatch(/at most 50000/);
  });

  it('an offer flood: beyond the offers waiting for an answer, more are declined and cost no disk', async () => {
    const m = await mallory();
    const ids = Array.from({ length: MAX_PENDING_OFFERS_PER_PEER + 10 }, newId);
    for (const id of ids) m.session.send(offer(id, [{ path: 'x', size: 1, kind: 0 }]));
    await waitUntil(() => m.received.filter((r) => r.type === 'decline').length === 10, 'ten declined');
    expect(m.received.filter((r) => r.type === 'decline').every((r) => /wait for an answer/.test((r as { reason: string }).reason))).toBe(true);
    await waitUntil(() => fileEventsOf(m.bob, 'offer').length === MAX_PENDING_OFFERS_PER_PEER, 'the first offers shown');
    await carriesOn(m);
  });

  it('a stranger’s offer waits as a message request: shown, never taken by itself (auto-accept on), and accepting it accepts the request', async () => {
    const bob = await openFilesApp('Bob', { files: { autoAcceptBytes: Number.MAX_SAFE_INTEGER } });
    const m = await mallory({ accept: false, bob });
    const transfer = newId();
    const id = Buffer.from(transfer).toString('hex');
    m.session.send(offer(transfer, [{ path: 'x.txt', size: 5, kind: 0 }]));
    await waitUntil(() => fileEventsOf(bob, 'offer').some((o) => o.transfer === id), 'Bob sees the offer');
    await carriesOn(m); // a round trip after the offer: had Bob taken it by himself, his accept would be here by now
    expect(m.received.filter((r) => r.type === 'accept' || r.type === 'want')).toEqual([]);
    expect(bob.service.files.list().find((t) => t.transfer === id)?.status).toBe('offered');
    expect(bob.service.contactSummaries().find((c) => String(c.peer) === String(m.node.id))?.request).toBeTruthy();
    await bob.service.files.accept(id);
    expect(bob.service.contactSummaries().find((c) => String(c.peer) === String(m.node.id))?.request).toBeFalsy();
    await reply(m, transfer, 'want');
  });

  it('a stranger’s file refused for want of space leaves the request a request', async () => {
    const bob = await openFilesApp('Bob', { files: { disk: { ...nodeDisk, freeBytes: async () => 0 } } });
    const m = await mallory({ accept: false, bob });
    const transfer = newId();
    const id = Buffer.from(transfer).toString('hex');
    m.session.send(offer(transfer, [{ path: 'x.txt', size: 5, kind: 0 }]));
    await waitUntil(() => fileEventsOf(bob, 'offer').some((o) => o.transfer === id), 'Bob sees the offer');
    await expect(bob.service.files.accept(id)).rejects.toThrow(/not enough space/);
    expect(bob.service.contactSummaries().find((c) => String(c.peer) === String(m.node.id))?.request).toBeTruthy();
  });

  it('a stranger’s offers count against its request quota: past it they are held, unanswered and not stored', async () => {
    const bob = await openFilesApp('Bob', { requests: { quota: { maxMessages: 2 } } });
    const m = await mallory({ accept: false, bob });
    const transfers = [newId(), newId(), newId()];
    for (const transfer of transfers) m.session.send(offer(transfer, [{ path: 'x.txt', size: 5, kind: 0 }]));
    // A chat would be held as well: an offer refused for its form (before any quota) shows the three were handled.
    const marker = newId();
    m.session.send(offer(marker, [{ path: 'x.txt', size: 5, kind: 0 }], { algorithm: 'md5' }));
    await reply(m, marker, 'decline'); // the quota was judged for all three, in order, before this was handled
    await waitUntil(() => fileEventsOf(bob, 'offer').length === 2, 'the first two offers stored and shown');
    expect(bob.service.files.list().length).toBe(2);
    // Held: no answer at all, so Mallory keeps the third to offer again once she is accepted.
    const answered = m.received.filter((r) => r.type === 'decline' || r.type === 'accept').map((r) => Buffer.from(r.transfer).toString('hex'));
    expect(answered).toEqual([Buffer.from(marker).toString('hex')]);
  });

  it('a stranger’s offer with names past the request byte quota is held too', async () => {
    const bob = await openFilesApp('Bob', { requests: { quota: { maxBytes: 1000 } } });
    const m = await mallory({ accept: false, bob });
    const items = Array.from({ length: 20 }, (_, i) => ({ path: `${'n'.repeat(60)}-${i}.txt`, size: 1, kind: 0 }));
    m.session.send(offer(newId(), items));
    const marker = newId();
    m.session.send(offer(marker, [{ path: 'x.txt', size: 5, kind: 0 }], { algorithm: 'md5' }));
    await reply(m, marker, 'decline');
    expect(fileEventsOf(bob, 'offer')).toEqual([]);
  });

  it('declining a request declines what it offered', async () => {
    const m = await mallory({ accept: false });
    const transfer = newId();
    const id = Buffer.from(transfer).toString('hex');
    m.session.send(offer(transfer, [{ path: 'x.txt', size: 5, kind: 0 }]));
    await waitUntil(() => fileEventsOf(m.bob, 'offer').some((o) => o.transfer === id), 'Bob sees the offer');
    await m.bob.handlers['request:decline']({ peer: m.node.id });
    await waitUntil(() => m.bob.service.files.list().find((t) => t.transfer === id)?.status === 'declined', 'the offer declined');
  });

  it('chunks beyond the declared size fail the transfer; the session carries on', async () => {
    const m = await mallory();
    const { transfer, id, epoch } = await acceptedFile(m, 100);
    void m.session.sendBulk({ type: 'chunk', transfer, epoch, item: 0, offset: 50, data: new Uint8Array(100) });
    await failedWith(m.bob, id, /beyond the declared size/);
    expect((await reply(m, transfer, 'cancel')).reason).toMatch(/beyond the declared size/);
    await carriesOn(m);
  });

  it('overlapping chunks fail the transfer', async () => {
    const m = await mallory();
    const { transfer, id, epoch } = await acceptedFile(m, 1000);
    void m.session.sendBulk({ type: 'chunk', transfer, epoch, item: 0, offset: 0, data: new Uint8Array(500) });
    void m.session.sendBulk({ type: 'chunk', transfer, epoch, item: 0, offset: 400, data: new Uint8Array(500) });
    await failedWith(m.bob, id, /overlaps bytes already received/);
    await carriesOn(m);
  });

  it('chunks for a transfer not accepted, and after a cancel, are dropped: nothing written', async () => {
    const m = await mallory();
    const offered = newId();
    m.session.send(offer(offered, [{ path: 'waiting.bin', size: 10, kind: 0 }]));
    await waitUntil(() => fileEventsOf(m.bob, 'offer').length === 1, 'offered');
    void m.session.sendBulk({ type: 'chunk', transfer: offered, epoch: 0, item: 0, offset: 0, data: new Uint8Array(10) });
    const { transfer, id, epoch } = await acceptedFile(m, 10, 'cancelled.bin');
    await m.bob.service.files.cancel(id);
    void m.session.sendBulk({ type: 'chunk', transfer, epoch, item: 0, offset: 0, data: new Uint8Array(10) });
    void m.session.sendBulk({ type: 'block', transfer, epoch, item: 0, block: 0, digest: sha(new Uint8Array(10)) });
    void m.session.sendBulk({ type: 'end', transfer, epoch, item: 0, digest: fileDigest([sha(new Uint8Array(10))]) });
    await carriesOn(m);
    expect(await readdir(m.bob.downloads)).toEqual([]);
  });

  it('a lying block digest is asked for again, its bytes never written, and after the retries the file fails, never renamed', async () => {
    const m = await mallory();
    const data = randomBytes(1000);
    const { transfer, id, epoch } = await acceptedFile(m, data.length);
    const wants = () => m.received.filter((r) => r.type === 'want') as Array<Extract<FilesMessage, { type: 'want' }>>;
    for (let attempt = 1; attempt <= 4; attempt++) {
      sendBlock(m, transfer, epoch, 0, data, new Uint8Array(32));
      if (attempt < 4) await waitUntil(() => wants().length === attempt + 1, `asked again (${attempt})`);
    }
    await failedWith(m.bob, id, /did not match its digest 4 times; the partial file is kept/);
    expect(wants().slice(1).map((w) => w.ranges)).toEqual(Array(3).fill([{ item: 0, block: 0, count: 1 }]));
    // A block is written only once it verifies: the lying one left nothing on the disk.
    expect(await readdir(m.bob.downloads).catch(() => [])).toEqual([]);
    await carriesOn(m);
  });

  it('a lying whole-file digest fails the file; its partial is kept, never renamed', async () => {
    const m = await mallory();
    const data = randomBytes(1000);
    const { transfer, id, epoch } = await acceptedFile(m, data.length);
    sendBlock(m, transfer, epoch, 0, data);
    void m.session.sendBulk({ type: 'end', transfer, epoch, item: 0, digest: sha(data) });
    await failedWith(m.bob, id, /digest of f.bin does not match its blocks/);
    expect(await readdir(m.bob.downloads)).toEqual(['.f.bin.peerline-part']);
  });

  it('a file’s end before all its bytes fails it', async () => {
    const m = await mallory();
    const data = randomBytes(BLOCK_BYTES + 10);
    const { transfer, id, epoch } = await acceptedFile(m, data.length);
    sendBlock(m, transfer, epoch, 0, data.subarray(0, BLOCK_BYTES));
    void m.session.sendBulk({ type: 'end', transfer, epoch, item: 0, digest: fileDigest([sha(data)]) });
    await failedWith(m.bob, id, /end of f.bin before all its bytes/);
  });

  it('a transfer id replayed after completion gets "done" again, and writes no second file', async () => {
    const m = await mallory();
    const data = randomBytes(100);
    const { transfer, epoch } = await acceptedFile(m, data.length);
    sendBlock(m, transfer, epoch, 0, data);
    void m.session.sendBulk({ type: 'end', transfer, epoch, item: 0, digest: fileDigest([sha(data)]) });
    await reply(m, transfer, 'done');
    m.received.length = 0;
    m.session.send(offer(transfer, [{ path: 'f.bin', size: data.length, kind: 0 }]));
    await reply(m, transfer, 'done');
    sendBlock(m, transfer, epoch, 0, data);
    await carriesOn(m, (n) => n === 'f.bin');
    expect(await readdir(m.bob.downloads)).toEqual(['f.bin']);
    expect(fileEventsOf(m.bob, 'offer')).toHaveLength(1);
  });

  it('a symbolic link planted at the part file’s path is not followed: the file fails, the link’s target is untouched', async () => {
    const bob = await openFilesApp('Bob');
    const target = path.join(await tempDir(), 'precious.txt');
    await writeFile(target, 'precious');
    await mkdir(bob.downloads, { recursive: true });
    await symlink(target, path.join(bob.downloads, '.f.bin.peerline-part'));
    const m = await mallory({ bob });
    const data = randomBytes(100);
    const { transfer, id, epoch } = await acceptedFile(m, data.length);
    sendBlock(m, transfer, epoch, 0, data);
    await failedWith(bob, id, /symbolic link is in the way/);
    expect(await readFile(target, 'utf8')).toBe('precious');
    expect((await lstat(path.join(bob.downloads, '.f.bin.peerline-part'))).isSymbolicLink()).toBe(true);
    await carriesOn(m, () => true);
  });

  it('a failed transfer leaves another one from the same sender running to the end', async () => {
    const m = await mallory();
    const good = randomBytes(2000);
    const first = await acceptedFile(m, good.length, 'good.bin');
    const second = await acceptedFile(m, 100, 'bad.bin');
    void m.session.sendBulk({ type: 'chunk', transfer: second.transfer, epoch: second.epoch, item: 0, offset: 90, data: new Uint8Array(20) });
    await failedWith(m.bob, second.id, /beyond the declared size/);
    sendBlock(m, first.transfer, first.epoch, 0, good);
    void m.session.sendBulk({ type: 'end', transfer: first.transfer, epoch: first.epoch, item: 0, digest: fileDigest([sha(good)]) });
    await reply(m, first.transfer, 'done');
    expect(await readFile(path.join(m.bob.downloads, 'good.bin'))).toEqual(good);
    await carriesOn(m, (n) => n === 'good.bin');
  });
});
