/**
 * What a person pastes into "Connect": a `host:port`, a peer's public key (64 hex digits or 52 base32 letters),
 * or a `peerline:` invite link — the key, optionally the LAN addresses it listens on and a display name:
 *
 *     peerline:KEY?a=192.168.1.20%3A8000&a=%5Bfe80%3A%3A1%5D%3A8000&n=Alice
 *
 * The link is a hint, never trust: whoever answers must prove the key in the handshake. Everything here is pure
 * and refuses hostile input with a sentence (junk, oversize, a bad key, addresses that are not addresses).
 */
import { formatAddress, parsePeerAddress } from './address';
import { fromBase32, toBase32 } from './base32';
import { fromHex, toHex } from './bytes';
import { PUBLIC_KEY_BYTES } from './protocol/limits';
import { nameProblem } from './validation';

export const INVITE_SCHEME = 'peerline:';
/** Longer than any link we make (a key, eight IPv6 addresses with zones and a 128-byte name, escaped). */
export const MAX_INVITE_LINK_CHARS = 2048;
/** LAN addresses one link may carry. */
export const MAX_INVITE_ADDRESSES = 8;

export interface Invite {
  /** The public key, lowercase hex. */
  key: string;
  /** `host:port` addresses to try on the LAN besides the DHT. */
  addresses: string[];
  name?: string;
}

export type DialTarget =
  | { kind: 'address'; host: string; port: number }
  | { kind: 'key'; invite: Invite };

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const HEX_KEY_CHARS = PUBLIC_KEY_BYTES * 2;
const TYPE_A_TARGET = 'Type an address like 192.168.1.20:8000, a key, or a peerline: link.';

/** A public key as typed: 64 hex digits or 52 base32 letters, either case. Lowercase hex, or null. */
export function parsePeerKey(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed.length === HEX_KEY_CHARS && /^[0-9a-fA-F]+$/.test(trimmed)) return toHex(fromHex(trimmed));
  const bytes = fromBase32(trimmed, PUBLIC_KEY_BYTES);
  return bytes === null ? null : toHex(bytes);
}

export function encodeInvite(invite: Invite): string {
  const params = [
    ...invite.addresses.slice(0, MAX_INVITE_ADDRESSES).map((address) => `a=${encodeURIComponent(address)}`),
    ...(invite.name ? [`n=${encodeURIComponent(invite.name)}`] : []),
  ];
  const key = toBase32(fromHex(invite.key));
  return params.length > 0 ? `${INVITE_SCHEME}${key}?${params.join('&')}` : `${INVITE_SCHEME}${key}`;
}

export function decodeInvite(text: string): Parsed<Invite> {
  const link = text.trim();
  if (link.length > MAX_INVITE_LINK_CHARS) return failure(`That link is too long (at most ${MAX_INVITE_LINK_CHARS} characters).`);
  if (link.slice(0, INVITE_SCHEME.length).toLowerCase() !== INVITE_SCHEME) return failure(`An invite link starts with "${INVITE_SCHEME}".`);
  const rest = link.slice(INVITE_SCHEME.length).replace(/^\/\//, '');
  const query = rest.indexOf('?');
  const keyText = query === -1 ? rest : rest.slice(0, query);
  const key = parsePeerKey(keyText);
  if (key === null) return failure('The key in that link is damaged: check that it was copied whole.');
  const invite: Invite = { key, addresses: [] };
  if (query === -1) return { ok: true, value: invite };
  for (const pair of rest.slice(query + 1).split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const field = equals === -1 ? pair : pair.slice(0, equals);
    const value = decodeComponent(equals === -1 ? '' : pair.slice(equals + 1));
    if (value === null) return failure('That link has a damaged part (a stray "%").');
    if (field === 'a') {
      if (invite.addresses.length >= MAX_INVITE_ADDRESSES) return failure(`That link has more than ${MAX_INVITE_ADDRESSES} addresses.`);
      const address = parsePeerAddress(value);
      if (!address.ok) return failure(`An address in that link is not usable: ${address.error}`);
      invite.addresses.push(formatAddress(address.host, address.port));
    } else if (field === 'n') {
      const problem = nameProblem(value);
      if (problem !== null) return failure(`The name in that link is not usable: ${problem}`);
      invite.name = value.trim();
    }
    // Unknown fields come from newer versions: ignored, like unknown channels.
  }
  return { ok: true, value: invite };
}

/** What the person typed into "Connect": an address, a key, or an invite link. */
export function parseDialTarget(input: string): Parsed<DialTarget> {
  const text = input.trim();
  if (text === '') return failure(TYPE_A_TARGET);
  if (text.slice(0, INVITE_SCHEME.length).toLowerCase() === INVITE_SCHEME) {
    const invite = decodeInvite(text);
    return invite.ok ? { ok: true, value: { kind: 'key', invite: invite.value } } : invite;
  }
  const key = parsePeerKey(text);
  if (key !== null) return { ok: true, value: { kind: 'key', invite: { key, addresses: [] } } };
  // 40 or more letters and digits in one word, with no dot or port, was meant as a key, not a host name.
  if (/^[0-9a-zA-Z]{40,}$/.test(text)) return failure('That key is damaged: a key is 64 hex digits or 52 letters, copied whole.');
  const address = parsePeerAddress(text);
  if (address.ok) return { ok: true, value: { kind: 'address', host: address.host, port: address.port } };
  return failure(address.error);
}

function decodeComponent(text: string): string | null {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

function failure<T>(error: string): Parsed<T> {
  return { ok: false, error };
}
