/**
 * The files feature: sending files and folders to contacts, on the `files/1` channel, durable across restarts of
 * either side. An offer to a contact who is offline is stored and goes when a session opens; an accepted
 * transfer asks again for what it misses whenever a session opens, stalls, or comes back from a pause.
 *
 * It gets the store, the node and the contact directory from the facade (never importing it), registers its
 * channel, and offers the person's actions (`send`, `accept`, …) and its events to the UIs and the command line.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BLOCK_BYTES, DEFAULT_FILE_TIMEOUTS, FREE_SPACE_MARGIN_BYTES, MAX_PENDING_OFFERS_PER_PEER, PROGRESS_PER_SECOND, type FileTimeouts } from '../../../../shared/files/limits';
import { contactId, type SessionKey } from '../../../../shared/ids';
import type { ContractHandlers, Transfer as TransferShape } from '../../../../shared/ipc/contract';
import { AppError } from '../../../../shared/ipc/result';
import { isDangerousName } from '../../../../shared/files/names';
import type { ChannelSession } from '../../channels';
import type { PeerNode } from '../../peer-node';
import { FilesTable, type TransferRecord } from '../../store/files';
import type { Store } from '../../store/store';
import type { ContactDirectory } from '../contacts/directory';
import type { EventHub } from '../context';
import type { RequestGate } from '../requests/gate';
import { FILES_CHANNEL } from './codec';
import { FolderSyncs, makeFreshFolder, nodeDisk, type Disk } from './disk';
import { IncomingTransfer, type IncomingHost } from './incoming';
import type { FilesMessage, OfferPart } from './messages';
import { addOfferPart, judgeOffer, type OfferAssembly } from './offer-rules';
import { OutgoingTransfer, type OutgoingHost } from './outgoing';
import { scanSource } from './source';
import { SpeedMeter } from './speed';
import { bytesOf, isOpen, transferView, type Transfer } from './views';

export type TransferView = TransferShape;

/** The files of an offer told to the window: the first ones (a folder of 10,000 is summed up by its count). */
const OFFER_ITEMS_SHOWN = 100;

export interface FileEvents {
  /** A contact offers files: accept or decline. */
  offer: [{ peer: string; transfer: string; items: Array<{ name: string; size: number }>; total: number; freeBytes?: number }];
  /** At most PROGRESS_PER_SECOND per transfer. */
  progress: [{ transfer: string; bytes: number; total: number; bytesPerSecond: number }];
  /** One file of an incoming transfer is in place: where, and its digest (SHA-256 over its blocks' SHA-256s). */
  'file-done': [{ transfer: string; path: string; sha256: string }];
  failed: [{ transfer: string; reason: string }];
  /** The status changed (offered, accepted, paused, stalled, done, …). */
  updated: [TransferView];
  log: [string];
}

export interface FilesOptions {
  /**
   * Where received files go for this run (the command line's `--download-dir`); without it the person's setting,
   * else the system's Downloads folder, `Peerline` inside it.
   */
  downloadDir?: string;
  /**
   * Offers of at most this many bytes from any contact are accepted without asking, for this run (`--auto-accept`);
   * a contact's own limit (`contact:auto-accept`) comes first. Default: always asked.
   */
  autoAcceptBytes?: number;
  /** The file layer (tests make writes fail with ENOSPC). */
  disk?: Disk;
  /** Stall and disk-full deadlines (tests give short ones); DEFAULT_FILE_TIMEOUTS for what is not given. */
  timeouts?: Partial<FileTimeouts>;
}

function defaultDownloadDir(): string {
  return path.join(os.homedir(), 'Downloads', 'Peerline');
}

export class FilesFeature extends EventEmitter<FileEvents> {
  private readonly table: FilesTable;
  private readonly disk: Disk;
  private readonly transfers = new Map<string, Transfer>();
  /** Offers whose parts are still coming, per session. */
  private readonly assembling = new WeakMap<ChannelSession<FilesMessage>, Map<string, OfferAssembly>>();
  private readonly meters = new Map<string, SpeedMeter>();
  /** Per transfer, whether it holds a program or script (see `holdsDangerousName`). */
  private readonly dangerous = new Map<string, boolean>();
  private readonly incomingHost: IncomingHost;
  private readonly outgoingHost: OutgoingHost;

  constructor(
    private readonly ctx: {
      store: Store;
      node: PeerNode;
      directory: ContactDirectory;
      events: EventHub;
      /** Message requests: an offer from one counts against its quota like a message. */
      gate: Pick<RequestGate, 'admit'>;
      /** Accepting a request's offer accepts the request first, as replying to it does. */
      acceptRequest: (peer: string) => Promise<void>;
    },
    private readonly options: FilesOptions = {},
  ) {
    super();
    this.table = new FilesTable(ctx.store.table('files'));
    this.disk = options.disk ?? nodeDisk;
    const shared = {
      changed: (t: Transfer) => this.changed(t),
      progressed: (t: Transfer) => this.progressed(t),
      fail: (t: Transfer, reason: string) => void this.fail(t, reason, true),
    };
    this.incomingHost = {
      ...shared,
      table: this.table,
      disk: this.disk,
      folderSyncs: new FolderSyncs(),
      timeouts: { ...DEFAULT_FILE_TIMEOUTS, ...options.timeouts },
      fileDone: (t, _item, file, digest) => this.emit('file-done', { transfer: t.id, path: file, sha256: Buffer.from(digest).toString('hex') }),
      log: (line) => this.emit('log', line),
    };
    this.outgoingHost = shared;
    this.on('updated', (view) => ctx.events.emit('file:updated', view));
    // A request declined or blocked, a contact removed: what it offered and no one took is declined.
    ctx.events.subscribe((event, payload) => {
      if (event === 'conversation:removed') void this.declineOffersOf((payload as { peer: string }).peer);
    });
    this.on('offer', (offer) => ctx.events.emit('file:offered', { ...offer, files: offer.items.length, items: offer.items.slice(0, OFFER_ITEMS_SHOWN) }));
    ctx.node.channel(FILES_CHANNEL, {
      opened: (session) => this.opened(session),
      message: (session, message) => this.receive(session, message),
      closing: (session) => this.closing(session),
    });
  }

  /** Where received files go now; a transfer keeps the folder it was accepted into. */
  get downloadDir(): string {
    return path.resolve(this.options.downloadDir ?? this.ctx.store.settings().downloadDir ?? defaultDownloadDir());
  }

  /** Reads the transfers kept in the store (before the node listens). */
  async load(): Promise<void> {
    for (const record of await this.table.transfers()) {
      const transfer = record.direction === 'in' ? await IncomingTransfer.load(record, this.incomingHost) : new OutgoingTransfer(record, this.outgoingHost);
      this.transfers.set(record.id, transfer);
    }
  }

  /** Everything verified so far is on disk, part files are closed. */
  async close(): Promise<void> {
    for (const transfer of this.transfers.values()) {
      if (transfer.direction === 'in') await transfer.finish(false);
      else transfer.stop();
    }
    await this.table.flush();
  }

  /** This feature's part of the contract's handlers (the desktop app replaces `file:choose` and adds to `file:show`). */
  get handlers(): Pick<ContractHandlers, 'file:send' | 'file:choose' | 'file:accept' | 'file:decline' | 'file:cancel' | 'file:pause' | 'file:resume' | 'file:list' | 'file:show'> {
    return {
      'file:send': ({ peer, path: local }) => this.send(peer, local),
      'file:choose': async () => {
        throw new AppError('invalid-request', 'There is no file chooser here: the page picks the files itself.');
      },
      'file:accept': ({ transfer }) => this.accept(transfer),
      'file:decline': ({ transfer }) => this.decline(transfer),
      'file:cancel': ({ transfer }) => this.cancel(transfer),
      'file:pause': ({ transfer }) => this.pause(transfer),
      'file:resume': ({ transfer }) => this.resume(transfer),
      'file:list': async () => this.list(),
      'file:show': async ({ transfer }) => ({ path: this.placeOf(transfer) }),
    };
  }

  private async declineOffersOf(peer: string): Promise<void> {
    for (const transfer of this.transfers.values()) {
      if (transfer.direction === 'in' && transfer.record.peer === peer && transfer.record.state === 'offered') {
        await this.decline(transfer.id).catch((err: unknown) => this.emit('log', `files: could not decline ${transfer.id}: ${(err as Error).message}`));
      }
    }
  }

  /** Where a received transfer's files are: the file itself for one file, else its folder. */
  placeOf(id: string): string {
    const transfer = this.incoming(id);
    const { directory, items, topFolders } = transfer.record;
    if (directory === undefined) throw new AppError('unknown-transfer', 'That transfer has not been accepted: nothing is on disk yet.');
    const first = items[0]!.path.split('/')[0]!;
    return items.length === 1 && !items[0]!.path.includes('/') ? transfer.finalPathOf(0) : path.join(directory, topFolders?.[first] ?? first);
  }

  // The person's actions ---------------------------------------------------------------------------------------

  /** Offers a file or a folder to a contact, at once if it is online, else when it is back. */
  async send(peer: string, local: string): Promise<TransferView> {
    const contact = this.ctx.store.contact(contactId(peer));
    if (!contact || contact.mode !== 'secure' || contact.request || contact.blocked) {
      throw new AppError('unknown-peer', 'Files go only to contacts over an encrypted connection.');
    }
    const scanned = await scanSource(local);
    const record: TransferRecord = {
      id: randomBytes(16).toString('hex'),
      direction: 'out',
      peer: contact.id,
      items: scanned.items.map(({ path, size }) => ({ path, size })),
      sources: scanned.items.map((item) => item.source),
      totalBytes: scanned.totalBytes,
      blockBytes: BLOCK_BYTES,
      state: 'offered',
      paused: [],
      createdAt: Date.now(),
    };
    await this.table.save(record);
    const transfer = new OutgoingTransfer(record, this.outgoingHost);
    this.transfers.set(record.id, transfer);
    const session = this.sessionOf(contact.id);
    if (session) transfer.start(session);
    this.emit('updated', this.view(transfer));
    return this.view(transfer);
  }

  /** Accepts an offer: checks the free space, makes the folders, and asks for the first blocks. */
  async accept(id: string): Promise<TransferView> {
    const transfer = this.incoming(id);
    if (transfer.record.state !== 'offered') throw new AppError('unknown-transfer', `That transfer is ${this.view(transfer).status}, not waiting for an answer.`);
    const directory = this.downloadDir;
    await mkdir(directory, { recursive: true, mode: 0o700 });
    const free = await this.disk.freeBytes(directory);
    if (free < transfer.record.totalBytes + FREE_SPACE_MARGIN_BYTES) {
      throw new AppError('disk-full', `There is not enough space in ${directory}: the files need ${transfer.record.totalBytes} bytes, ${free} are free.`);
    }
    // Only a file that is taken answers its sender as a contact: one refused for space leaves a request a request.
    await this.ctx.acceptRequest(transfer.record.peer);
    const topFolders: Record<string, string> = {};
    for (const item of transfer.record.items) {
      const segments = item.path.split('/');
      if (segments.length > 1 && topFolders[segments[0]!] === undefined) topFolders[segments[0]!] = await makeFreshFolder(directory, segments[0]!);
    }
    transfer.record = { ...transfer.record, state: 'accepted', directory, topFolders };
    await this.changed(transfer);
    const session = this.sessionOf(transfer.record.peer);
    if (session) transfer.start(session);
    return this.view(transfer);
  }

  async decline(id: string): Promise<TransferView> {
    const transfer = this.incoming(id);
    if (transfer.record.state !== 'offered') throw new AppError('unknown-transfer', `That transfer is ${this.view(transfer).status}, not waiting for an answer.`);
    transfer.record = { ...transfer.record, state: 'declined', reason: 'declined' };
    await this.changed(transfer);
    // The offer's own session first: a request being declined is no contact to look a session up by any more.
    const session = transfer.session?.open === true ? transfer.session : this.sessionOf(transfer.record.peer);
    session?.send({ type: 'decline', transfer: transfer.transferId, reason: 'declined' });
    return this.view(transfer);
  }

  async cancel(id: string): Promise<TransferView> {
    const transfer = this.get(id);
    if (!isOpen(transfer)) throw new AppError('unknown-transfer', `That transfer is ${this.view(transfer).status} already.`);
    await this.end(transfer, 'cancelled', 'cancelled');
    this.sessionOf(transfer.record.peer)?.send({ type: 'cancel', transfer: transfer.transferId, reason: 'cancelled' });
    return this.view(transfer);
  }

  async pause(id: string): Promise<TransferView> {
    const transfer = this.get(id);
    if (!transfer.active) throw new AppError('unknown-transfer', `That transfer is ${this.view(transfer).status}: there is nothing to pause.`);
    await transfer.pause('me', 'paused by the person');
    return this.view(transfer);
  }

  async resume(id: string): Promise<TransferView> {
    const transfer = this.get(id);
    await transfer.resume('me');
    return this.view(transfer);
  }

  /** Bytes of an outgoing transfer handed to the bulk lane since this process started (the bench counts re-sent bytes by it). */
  sentBytes(id: string): number {
    const transfer = this.get(id);
    return transfer.direction === 'out' ? transfer.sentBytes : 0;
  }

  /** An incoming transfer's hashing in this run: bytes hashed, and bytes of blocks verified before that were hashed again (the bench prints it after a resume). */
  hashing(id: string): { hashedBytes: number; rehashedBytes: number } {
    const { plan } = this.incoming(id);
    return { hashedBytes: plan.hashedBytes, rehashedBytes: plan.rehashedBytes };
  }

  list(): TransferView[] {
    return [...this.transfers.values()].sort((a, b) => b.record.createdAt - a.record.createdAt).map((t) => this.view(t));
  }

  // The channel ------------------------------------------------------------------------------------------------

  private opened(session: ChannelSession<FilesMessage>): void {
    const peer = this.trustedPeer(session.key);
    if (peer === null) return;
    for (const transfer of this.transfers.values()) {
      if (transfer.record.peer === peer && transfer.active) transfer.start(session);
    }
  }

  private closing(session: ChannelSession<FilesMessage>): void {
    for (const transfer of this.transfers.values()) if (transfer.session === session) transfer.session = null;
  }

  /** The contact a session key speaks for, unless it is a key awaiting approval (told nothing of ours). */
  private trustedPeer(key: SessionKey): string | null {
    return this.ctx.directory.unapprovedKeys.has(key) ? null : this.ctx.directory.peerOf(key);
  }

  private sessionOf(peer: string): ChannelSession<FilesMessage> | null {
    const key = this.ctx.directory.trustedSessionKey(contactId(peer));
    return key === null ? null : this.ctx.node.session(key, FILES_CHANNEL);
  }

  private receive(session: ChannelSession<FilesMessage>, message: FilesMessage): Promise<unknown> | void {
    const peer = this.trustedPeer(session.key);
    if (peer === null) return;
    if (message.type === 'offer') return this.offerPart(session, peer, message);
    const id = Buffer.from(message.transfer).toString('hex');
    const transfer = this.transfers.get(id);
    // Not ours, or another peer's: dropped, and said so in the log (its credit comes back all the same).
    if (transfer === undefined || transfer.record.peer !== peer) return this.emit('log', `files: a ${message.type} for a transfer ${peer.slice(0, 8)} does not share with us`), undefined;
    if (transfer.direction === 'in') return this.receiveIncoming(transfer, message);
    return this.receiveOutgoing(transfer, message);
  }

  private receiveIncoming(transfer: IncomingTransfer, message: FilesMessage): Promise<unknown> | void {
    switch (message.type) {
      case 'chunk':
        return transfer.chunk(message);
      case 'block':
        return transfer.block(message);
      case 'end':
        return transfer.end(message);
      case 'cancel':
        if (isOpen(transfer)) return this.end(transfer, 'cancelled', `the sender cancelled: ${message.reason}`);
        return;
      case 'pause':
        return message.paused ? transfer.pause('peer', message.reason) : transfer.resume('peer');
      default:
        return this.emit('log', `files: the sender of ${transfer.id} sent a ${message.type}, which only a receiver sends`), undefined;
    }
  }

  private receiveOutgoing(transfer: OutgoingTransfer, message: FilesMessage): Promise<unknown> | void {
    switch (message.type) {
      case 'accept':
        return transfer.accepted();
      case 'want':
        return transfer.want(message);
      case 'done':
        if (transfer.active) return this.end(transfer, 'done');
        return;
      case 'decline':
        if (transfer.record.state === 'offered') return this.end(transfer, 'declined', message.reason);
        return;
      case 'cancel':
        if (transfer.active) return this.end(transfer, 'cancelled', `the receiver cancelled: ${message.reason}`);
        return;
      case 'pause':
        return message.paused ? transfer.pause('peer', message.reason) : transfer.resume('peer');
      default:
        return this.emit('log', `files: the receiver of ${transfer.id} sent a ${message.type}, which only a sender sends`), undefined;
    }
  }

  /** A part of an offer; once the last is in, the offer is judged, stored and shown (or declined with a reason). */
  private async offerPart(session: ChannelSession<FilesMessage>, peer: string, part: OfferPart): Promise<void> {
    const id = Buffer.from(part.transfer).toString('hex');
    const known = this.transfers.get(id);
    if (known !== undefined) return this.offeredAgain(session, peer, known);
    let pending = this.assembling.get(session);
    if (pending === undefined) this.assembling.set(session, (pending = new Map()));
    const before = pending.get(id);
    if (before === undefined && pending.size >= MAX_PENDING_OFFERS_PER_PEER) return this.refuse(session, part.transfer, 'too many offers are being sent at once');
    const verdict = addOfferPart(before, part);
    if (verdict.kind === 'refuse') {
      pending.delete(id);
      return this.refuse(session, part.transfer, verdict.reason);
    }
    if (verdict.kind === 'more') return void pending.set(id, verdict.assembly);
    pending.delete(id);
    const contact = this.ctx.store.contact(contactId(peer));
    if (!contact || contact.blocked) return this.refuse(session, part.transfer, 'only contacts can send files');
    const waiting = [...this.transfers.values()].filter((t) => t.direction === 'in' && t.record.peer === peer && t.record.state === 'offered').length;
    if (waiting >= MAX_PENDING_OFFERS_PER_PEER) return this.refuse(session, part.transfer, `${waiting} offers already wait for an answer`);
    const problem = judgeOffer(verdict.assembly);
    if (problem !== null) return this.refuse(session, part.transfer, problem);
    const { header, items } = verdict.assembly;
    // A message request's offer waits for the person like its chats, counted against the same quota (its bytes:
    // its names). Past the quota it is not answered: the sender keeps offering it, and once the person accepts
    // the request its next session brings the offer again.
    if (contact.request && !this.ctx.gate.admit(contact.id, items.reduce((sum, item) => sum + Buffer.byteLength(item.path), 0))) {
      this.emit('log', `files: held an offer from the request ${peer}: past its quota`);
      return;
    }
    const record: TransferRecord = {
      id,
      direction: 'in',
      peer,
      items: items.map(({ path, size }) => ({ path, size })),
      totalBytes: header.totalBytes,
      blockBytes: header.blockBytes,
      state: 'offered',
      paused: [],
      createdAt: Date.now(),
    };
    // Counted at once (before the write), so a flood of offers in one burst meets the limit too.
    const transfer = IncomingTransfer.create(record, this.incomingHost);
    transfer.session = session;
    this.transfers.set(id, transfer);
    await this.table.save(record);
    const freeBytes = await this.freeSpace();
    this.emit('offer', { peer, transfer: id, items: record.items.map((item) => ({ name: item.path, size: item.size })), total: record.totalBytes, ...(freeBytes !== undefined && { freeBytes }) });
    this.emit('updated', this.view(transfer));
    await this.autoAccept(transfer);
  }

  /** Free bytes where received files go (the download folder may not exist yet: its nearest existing parent). */
  private async freeSpace(): Promise<number | undefined> {
    for (let dir = this.downloadDir; ; dir = path.dirname(dir)) {
      const free = await this.disk.freeBytes(dir).catch(() => undefined);
      if (free !== undefined || path.dirname(dir) === dir) return free;
    }
  }

  /**
   * Accepts an offer without asking when it is within the size the person set for this contact, else for this run
   * (also one offered again after a restart).
   */
  private async autoAccept(transfer: IncomingTransfer): Promise<void> {
    const contact = this.ctx.store.contact(contactId(transfer.record.peer));
    // A stranger's offer is the person's to take: never by itself, whatever the size.
    if (contact === undefined || contact.request !== undefined) return;
    const limit = contact.autoAcceptBytes ?? this.options.autoAcceptBytes;
    if (limit === undefined || transfer.record.totalBytes > limit) return;
    await this.accept(transfer.id).catch((err: unknown) => this.emit('log', `files: could not accept ${transfer.id} by itself: ${(err as Error).message}`));
  }

  /** An offer we know already (the sender restarted, or replays it): answered from what we recorded. */
  private offeredAgain(session: ChannelSession<FilesMessage>, peer: string, transfer: Transfer): void {
    const id = transfer.transferId;
    if (transfer.direction !== 'in' || transfer.record.peer !== peer) return this.refuse(session, id, 'that transfer id is taken');
    switch (transfer.record.state) {
      case 'accepted':
        if (transfer.session !== session || !transfer.running) transfer.start(session);
        return;
      case 'done':
        return void session.send({ type: 'done', transfer: id });
      case 'offered':
        transfer.session = session;
        return void this.autoAccept(transfer);
      default:
        return this.refuse(session, id, transfer.record.reason ?? transfer.record.state, transfer.record.state === 'declined' ? 'decline' : 'cancel');
    }
  }

  private refuse(session: ChannelSession<FilesMessage>, transfer: Uint8Array, reason: string, type: 'decline' | 'cancel' = 'decline'): void {
    this.emit('log', `files: refused an offer: ${reason}`);
    session.send({ type, transfer, reason });
  }

  // State ------------------------------------------------------------------------------------------------------

  private get(id: string): Transfer {
    const transfer = this.transfers.get(id);
    if (transfer === undefined) throw new AppError('unknown-transfer', 'There is no such transfer.');
    return transfer;
  }

  private incoming(id: string): IncomingTransfer {
    const transfer = this.get(id);
    if (transfer.direction !== 'in') throw new AppError('unknown-transfer', 'That transfer is one you send.');
    return transfer;
  }

  /** Fails a transfer: kept partial files stay, the peer is told why (`tellPeer`). */
  private async fail(transfer: Transfer, reason: string, tellPeer: boolean): Promise<void> {
    if (!isOpen(transfer)) return;
    await this.end(transfer, 'failed', reason);
    if (tellPeer) transfer.session?.send({ type: 'cancel', transfer: transfer.transferId, reason });
  }

  private async end(transfer: Transfer, state: 'done' | 'failed' | 'cancelled' | 'declined', reason?: string): Promise<void> {
    transfer.record = { ...transfer.record, state, paused: [], ...(reason !== undefined && { reason }) };
    if (transfer.direction === 'in') await transfer.finish(state === 'cancelled');
    else transfer.stop();
    await this.changed(transfer);
    if (state === 'failed' || state === 'cancelled' || state === 'declined') this.emit('failed', { transfer: transfer.id, reason: reason ?? state });
  }

  private async changed(transfer: Transfer): Promise<void> {
    await this.table.save(transfer.record);
    if (transfer.record.state === 'done') this.progressed(transfer, true);
    this.emit('updated', this.view(transfer));
  }

  private progressed(transfer: Transfer, final = false): void {
    let meter = this.meters.get(transfer.id);
    if (meter === undefined) this.meters.set(transfer.id, (meter = new SpeedMeter(1000 / PROGRESS_PER_SECOND)));
    const bytes = bytesOf(transfer);
    if (!meter.sample(bytes, Date.now()) && !final) return;
    this.emit('progress', { transfer: transfer.id, bytes, total: transfer.record.totalBytes, bytesPerSecond: Math.round(meter.bytesPerSecond) });
    if (!final) this.ctx.events.emit('file:updated', this.view(transfer));
    if (final) this.meters.delete(transfer.id);
  }

  view(transfer: Transfer): TransferView {
    return transferView(transfer, Math.round(this.meters.get(transfer.id)?.bytesPerSecond ?? 0), this.holdsDangerousName(transfer.record));
  }

  /** Whether a transfer holds a program or script: its items never change, so this is looked at once per transfer. */
  private holdsDangerousName(record: TransferRecord): boolean {
    let dangerous = this.dangerous.get(record.id);
    if (dangerous === undefined) this.dangerous.set(record.id, (dangerous = record.items.some((item) => isDangerousName(item.path))));
    return dangerous;
  }
}
