/**
 * The signed binary envelope of a group message, and the small crypto interface the engine signs and checks
 * with. Pure TypeScript (no Node, no sodium): the core supplies ed25519 and BLAKE2b, tests may too.
 *
 * Header (signed):  version u8 · group id 32 · author 32 · seq u32 · prev 32 · clock ms u48 · clock counter u16
 *                   · parent count u8 · parents 32×k · body kind u8 · body length u32 · body hash 32
 * then the author's ed25519 signature over the header (64 bytes). The id is the hash of header‖signature.
 * The body travels next to it, and may be withheld: a member added later gets the headers of what came before
 * (it can check every signature, sequence and link) without their texts.
 * The creator's first message has an all-zero group id; the group's id is that message's id.
 */
import { bytesEqual, fromHex, toHex } from '../../../../../shared/bytes';
import { compareClocks, type Clock } from './clock';

export const ENVELOPE_VERSION = 1;
export const KEY_BYTES = 32;
export const HASH_BYTES = 32;
export const SIGNATURE_BYTES = 64;
/** Parent links per message: enough to join a few concurrent branches, small enough to keep headers short. */
export const MAX_PARENTS = 8;
export const MAX_GROUP_TEXT_BYTES = 64 * 1024;
export const MAX_GROUP_NAME_BYTES = 128;
export const MAX_MEMBER_ADDRESSES = 4;
export const MAX_ADDRESS_BYTES = 64;
/** Largest op body: a name and the addresses, with their lengths. */
const MAX_OP_BODY_BYTES = 1 + KEY_BYTES + 1 + 2 + MAX_GROUP_NAME_BYTES + 1 + MAX_MEMBER_ADDRESSES * (2 + MAX_ADDRESS_BYTES);
const FIXED_HEADER_BYTES = 1 + KEY_BYTES + KEY_BYTES + 4 + HASH_BYTES + 6 + 2 + 1;
const BODY_FIELDS_BYTES = 1 + 4 + HASH_BYTES;
export const MAX_CARRIED_ENVELOPE_BYTES = FIXED_HEADER_BYTES + MAX_PARENTS * HASH_BYTES + BODY_FIELDS_BYTES + SIGNATURE_BYTES + 1 + MAX_GROUP_TEXT_BYTES;
const MAX_SEQ = 0xffff_ffff;
const MAX_CLOCK_COUNTER = 0xffff;
const MAX_CLOCK_MS = 2 ** 48 - 1;
const ZERO_KEY = new Uint8Array(KEY_BYTES);

/** The crypto the engine needs, supplied by its host: ed25519 and a 32-byte hash. */
export interface GroupCrypto {
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  hash(bytes: Uint8Array): Uint8Array;
}

/** The one who writes: its public key, and a signature with its secret key. */
export interface GroupSigner {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

export const BodyKind = { Text: 0, Op: 1 } as const;
export type BodyKind = (typeof BodyKind)[keyof typeof BodyKind];

export const OpCode = { Create: 1, Add: 2, Remove: 3, Promote: 4, Leave: 5, Rename: 6, Profile: 7 } as const;

export type MemberRole = 'admin' | 'member';

/** A member's signed record: how others name and reach them. */
export interface MemberRecord {
  name: string;
  addresses: string[];
}

export type MembershipOp =
  | { op: 'create'; name: string }
  | { op: 'add'; member: string; role: MemberRole; record: MemberRecord }
  | { op: 'remove'; member: string }
  | { op: 'promote'; member: string }
  | { op: 'leave' }
  | { op: 'rename'; name: string }
  | { op: 'profile'; record: MemberRecord };

export type Body = { kind: 'text'; text: string } | { kind: 'op'; op: MembershipOp };

/** What an author puts in a header. Keys and ids are lowercase hex. */
export interface Header {
  group: string;
  author: string;
  seq: number;
  prev: string | null;
  clock: Clock;
  parents: string[];
  bodyKind: BodyKind;
  bodyLength: number;
  bodyHash: Uint8Array;
}

/** A decoded envelope: header, signature, id, and the body bytes if they came along. */
export interface Envelope extends Header {
  id: string;
  /** header‖signature, as signed and hashed. */
  signed: Uint8Array;
  headerLength: number;
  body: Uint8Array | null;
}

export class GroupEnvelopeError extends Error {
  override name = 'GroupEnvelopeError';
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

// ---- writing ----

class Writer {
  private bytes = new Uint8Array(256);
  length = 0;
  private room(n: number) {
    if (this.length + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }
  u8(value: number) {
    this.room(1);
    this.bytes[this.length++] = value;
  }
  u16(value: number) {
    this.u8(value >>> 8);
    this.u8(value & 0xff);
  }
  u32(value: number) {
    this.u16(Math.floor(value / 0x10000));
    this.u16(value & 0xffff);
  }
  u48(value: number) {
    this.u16(Math.floor(value / 2 ** 32));
    this.u32(value % 2 ** 32);
  }
  raw(bytes: Uint8Array) {
    this.room(bytes.length);
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }
  hex(hex: string | null) {
    this.raw(hex === null ? ZERO_KEY : keyFromHex(hex, 'a key or id'));
  }
  text(value: string, max: number, what: string) {
    const encoded = utf8.encode(value);
    if (encoded.length > max) throw new GroupEnvelopeError(`${what} is longer than ${max} bytes`);
    this.u16(encoded.length);
    this.raw(encoded);
  }
  done(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

/** A key or id (32 bytes) from lowercase hex; anything else is the caller's bug (a RangeError, as wire.ts). */
export function keyFromHex(hex: string, what: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new RangeError(`${what} is not 32 bytes of hex: ${hex.slice(0, 70)}`);
  return fromHex(hex);
}

export function encodeBody(body: Body): Uint8Array {
  if (body.kind === 'text') {
    const bytes = utf8.encode(body.text);
    if (bytes.length > MAX_GROUP_TEXT_BYTES) throw new GroupEnvelopeError(`a group message is at most ${MAX_GROUP_TEXT_BYTES} bytes`);
    return bytes;
  }
  const writer = new Writer();
  const op = body.op;
  const record = (value: MemberRecord) => {
    writer.text(value.name, MAX_GROUP_NAME_BYTES, 'a member name');
    if (value.addresses.length > MAX_MEMBER_ADDRESSES) throw new GroupEnvelopeError(`at most ${MAX_MEMBER_ADDRESSES} addresses per member`);
    writer.u8(value.addresses.length);
    for (const address of value.addresses) writer.text(address, MAX_ADDRESS_BYTES, 'an address');
  };
  switch (op.op) {
    case 'create':
      writer.u8(OpCode.Create);
      writer.text(op.name, MAX_GROUP_NAME_BYTES, 'a group name');
      break;
    case 'add':
      writer.u8(OpCode.Add);
      writer.hex(op.member);
      writer.u8(op.role === 'admin' ? 1 : 0);
      record(op.record);
      break;
    case 'remove':
      writer.u8(OpCode.Remove);
      writer.hex(op.member);
      break;
    case 'promote':
      writer.u8(OpCode.Promote);
      writer.hex(op.member);
      break;
    case 'leave':
      writer.u8(OpCode.Leave);
      break;
    case 'rename':
      writer.u8(OpCode.Rename);
      writer.text(op.name, MAX_GROUP_NAME_BYTES, 'a group name');
      break;
    case 'profile':
      writer.u8(OpCode.Profile);
      record(op.record);
      break;
  }
  return writer.done();
}

/** The header's bytes: what the author signs. */
export function encodeHeader(header: Header): Uint8Array {
  if (!Number.isInteger(header.seq) || header.seq < 1 || header.seq > MAX_SEQ) throw new GroupEnvelopeError(`bad sequence number ${header.seq}`);
  if (header.parents.length > MAX_PARENTS) throw new GroupEnvelopeError(`at most ${MAX_PARENTS} parent links`);
  if (header.clock.ms < 0 || header.clock.ms > MAX_CLOCK_MS || header.clock.counter < 0 || header.clock.counter > MAX_CLOCK_COUNTER) {
    throw new GroupEnvelopeError('clock out of range');
  }
  const writer = new Writer();
  writer.u8(ENVELOPE_VERSION);
  writer.hex(header.group === '' ? null : header.group);
  writer.hex(header.author);
  writer.u32(header.seq);
  writer.hex(header.prev);
  writer.u48(header.clock.ms);
  writer.u16(header.clock.counter);
  writer.u8(header.parents.length);
  for (const parent of header.parents) writer.hex(parent);
  writer.u8(header.bodyKind);
  writer.u32(header.bodyLength);
  writer.raw(header.bodyHash);
  return writer.done();
}

/** Signs a header for `body` and returns the envelope, id included. */
export function sealEnvelope(
  fields: Omit<Header, 'bodyKind' | 'bodyLength' | 'bodyHash' | 'author'>,
  body: Body,
  signer: GroupSigner,
  crypto: GroupCrypto,
): Envelope {
  const bodyBytes = encodeBody(body);
  const header: Header = {
    ...fields,
    author: toHex(signer.publicKey),
    bodyKind: body.kind === 'text' ? BodyKind.Text : BodyKind.Op,
    bodyLength: bodyBytes.length,
    bodyHash: crypto.hash(bodyBytes),
  };
  const headerBytes = encodeHeader(header);
  const signature = signer.sign(headerBytes);
  const signed = new Uint8Array(headerBytes.length + SIGNATURE_BYTES);
  signed.set(headerBytes);
  signed.set(signature, headerBytes.length);
  return { ...header, id: toHex(crypto.hash(signed)), signed, headerLength: headerBytes.length, body: bodyBytes };
}

/** The envelope as it travels: header‖signature, a flag, and the body if it comes along. */
export function encodeCarried(envelope: Envelope, withBody: boolean): Uint8Array {
  const body = withBody ? envelope.body : null;
  const out = new Uint8Array(envelope.signed.length + 1 + (body?.length ?? 0));
  out.set(envelope.signed);
  out[envelope.signed.length] = body ? 1 : 0;
  if (body) out.set(body, envelope.signed.length + 1);
  return out;
}

// ---- reading ----

class Reader {
  offset = 0;
  constructor(private readonly bytes: Uint8Array) {}
  private need(n: number) {
    if (this.offset + n > this.bytes.length) throw new GroupEnvelopeError('envelope is truncated');
  }
  u8(): number {
    this.need(1);
    return this.bytes[this.offset++]!;
  }
  u16(): number {
    return this.u8() * 0x100 + this.u8();
  }
  u32(): number {
    return this.u16() * 0x10000 + this.u16();
  }
  u48(): number {
    return this.u16() * 2 ** 32 + this.u32();
  }
  raw(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  key(): string {
    return toHex(this.raw(KEY_BYTES));
  }
  text(max: number, what: string): string {
    const length = this.u16();
    if (length > max) throw new GroupEnvelopeError(`${what} is longer than ${max} bytes`);
    try {
      return fromUtf8.decode(this.raw(length));
    } catch {
      throw new GroupEnvelopeError(`${what} is not UTF-8`);
    }
  }
  get left(): number {
    return this.bytes.length - this.offset;
  }
}

/**
 * Reads a carried envelope and checks what needs no history: the layout, the limits, the signature, and that the
 * body (if it came) is the one the author signed. Throws GroupEnvelopeError for anything else. `known(id)`: an
 * envelope already held is returned without its signature checked again (its id is the hash of what was checked).
 */
/**
 * The signed part (header‖signature) of carried bytes and whether a body follows, found without hashing,
 * verifying or decoding anything: a member recognises a copy of what it holds for the price of a comparison.
 * Null for bytes too short to hold them (`openEnvelope` says what is wrong).
 */
export function signedPartOf(bytes: Uint8Array): { signed: Uint8Array; signature: Uint8Array; hasBody: boolean } | null {
  const parentCountAt = FIXED_HEADER_BYTES - 1;
  if (bytes.length <= parentCountAt) return null;
  const headerLength = FIXED_HEADER_BYTES + bytes[parentCountAt]! * HASH_BYTES + BODY_FIELDS_BYTES;
  const signedLength = headerLength + SIGNATURE_BYTES;
  if (bytes.length <= signedLength) return null;
  return { signed: bytes.subarray(0, signedLength), signature: bytes.subarray(headerLength, signedLength), hasBody: bytes[signedLength] === 1 };
}

export function openEnvelope(bytes: Uint8Array, crypto: GroupCrypto, known: (id: string) => boolean = () => false): Envelope {
  if (bytes.length > MAX_CARRIED_ENVELOPE_BYTES) throw new GroupEnvelopeError('envelope is too large');
  const reader = new Reader(bytes);
  const version = reader.u8();
  if (version !== ENVELOPE_VERSION) throw new GroupEnvelopeError(`unknown envelope version ${version}`);
  const groupBytes = reader.raw(KEY_BYTES);
  const group = bytesEqual(groupBytes, ZERO_KEY) ? '' : toHex(groupBytes);
  const authorBytes = reader.raw(KEY_BYTES);
  const seq = reader.u32();
  if (seq < 1) throw new GroupEnvelopeError('sequence numbers start at 1');
  const prevBytes = reader.raw(HASH_BYTES);
  const prev = bytesEqual(prevBytes, ZERO_KEY) ? null : toHex(prevBytes);
  if ((seq === 1) !== (prev === null)) throw new GroupEnvelopeError('only the first message of an author has no previous one');
  const clock = { ms: reader.u48(), counter: reader.u16() };
  const parentCount = reader.u8();
  if (parentCount > MAX_PARENTS) throw new GroupEnvelopeError(`more than ${MAX_PARENTS} parent links`);
  const parents: string[] = [];
  for (let i = 0; i < parentCount; i++) parents.push(reader.key());
  if (new Set(parents).size !== parents.length) throw new GroupEnvelopeError('a parent is linked twice');
  const bodyKind = reader.u8();
  if (bodyKind !== BodyKind.Text && bodyKind !== BodyKind.Op) throw new GroupEnvelopeError(`unknown body kind ${bodyKind}`);
  const bodyLength = reader.u32();
  const maxBody = bodyKind === BodyKind.Text ? MAX_GROUP_TEXT_BYTES : MAX_OP_BODY_BYTES;
  if (bodyLength > maxBody) throw new GroupEnvelopeError('body is too large');
  const bodyHash = reader.raw(HASH_BYTES);
  const headerLength = reader.offset;
  const signature = reader.raw(SIGNATURE_BYTES);
  const signed = bytes.slice(0, reader.offset);
  const hasBody = reader.u8();
  if (hasBody > 1) throw new GroupEnvelopeError('bad body flag');
  const body = hasBody ? reader.raw(bodyLength).slice() : null;
  if (reader.left !== 0) throw new GroupEnvelopeError('bytes after the envelope');
  const id = toHex(crypto.hash(signed));
  if (!known(id) && !crypto.verify(signature, signed.subarray(0, headerLength), authorBytes)) throw new GroupEnvelopeError('signature does not verify');
  if (body && !bytesEqual(crypto.hash(body), bodyHash)) throw new GroupEnvelopeError('body does not match its signed hash');
  const envelope: Envelope = {
    group, author: toHex(authorBytes), seq, prev, clock, parents,
    bodyKind: bodyKind as BodyKind, bodyLength, bodyHash: bodyHash.slice(),
    id, signed, headerLength, body,
  };
  if (body) decodeBody(envelope); // a body that does not parse is refused with its envelope
  return envelope;
}

/** The body of an envelope that carries one; throws GroupEnvelopeError if it does not parse. */
export function decodeBody(envelope: Pick<Envelope, 'bodyKind' | 'body'>): Body | null {
  const bytes = envelope.body;
  if (!bytes) return null;
  if (envelope.bodyKind === BodyKind.Text) {
    try {
      return { kind: 'text', text: fromUtf8.decode(bytes) };
    } catch {
      throw new GroupEnvelopeError('text is not UTF-8');
    }
  }
  const reader = new Reader(bytes);
  const record = (): MemberRecord => {
    const name = reader.text(MAX_GROUP_NAME_BYTES, 'a member name');
    const count = reader.u8();
    if (count > MAX_MEMBER_ADDRESSES) throw new GroupEnvelopeError(`more than ${MAX_MEMBER_ADDRESSES} addresses`);
    const addresses: string[] = [];
    for (let i = 0; i < count; i++) addresses.push(reader.text(MAX_ADDRESS_BYTES, 'an address'));
    return { name, addresses };
  };
  const code = reader.u8();
  let op: MembershipOp;
  switch (code) {
    case OpCode.Create: op = { op: 'create', name: reader.text(MAX_GROUP_NAME_BYTES, 'a group name') }; break;
    case OpCode.Add: {
      const member = reader.key();
      const role = reader.u8();
      if (role > 1) throw new GroupEnvelopeError('unknown role');
      op = { op: 'add', member, role: role === 1 ? 'admin' : 'member', record: record() };
      break;
    }
    case OpCode.Remove: op = { op: 'remove', member: reader.key() }; break;
    case OpCode.Promote: op = { op: 'promote', member: reader.key() }; break;
    case OpCode.Leave: op = { op: 'leave' }; break;
    case OpCode.Rename: op = { op: 'rename', name: reader.text(MAX_GROUP_NAME_BYTES, 'a group name') }; break;
    case OpCode.Profile: op = { op: 'profile', record: record() }; break;
    default: throw new GroupEnvelopeError(`unknown membership operation ${code}`);
  }
  if (reader.left !== 0) throw new GroupEnvelopeError('bytes after the membership operation');
  return { kind: 'op', op };
}

/** Display order: clock, then author, then id. Consistent with causality, since a clock is ahead of its links. */
export function compareEnvelopes(a: Pick<Header, 'clock' | 'author'> & { id: string }, b: Pick<Header, 'clock' | 'author'> & { id: string }): number {
  return compareClocks(a.clock, b.clock) || (a.author < b.author ? -1 : a.author > b.author ? 1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
