/**
 * The rules for what a person types, and the sentences that refuse it, built once here so that the backend's
 * answer, the contract's validation and the window's check as you type always agree.
 */
import { utf8ByteLength } from './bytes';
import { MAX_NAME_BYTES, MAX_TEXT_BYTES } from './protocol/limits';

export const NAME_EMPTY = 'A name cannot be empty.';
export const NAME_TOO_LONG = `A name can be at most ${MAX_NAME_BYTES} bytes.`;
export const MESSAGE_EMPTY = 'The message is empty.';
export const MESSAGE_TOO_LONG = `The message is too long: at most ${MAX_TEXT_BYTES / 1024} KiB.`;

/** `who`: the contact's name as the person knows it, or the peer's id where there is none. */
export function notConnectedTo(who: string): string {
  return `Not connected to ${who}.`;
}

/** Why a display name would be refused (it is used trimmed), or null. */
export function nameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '') return NAME_EMPTY;
  if (utf8ByteLength(trimmed) > MAX_NAME_BYTES) return NAME_TOO_LONG;
  return null;
}

/**
 * Why a message text would be refused, or null. `byteLength` measures its UTF-8: the core passes Node's native
 * one, since this runs for every message sent (a JS count of a 60 KiB text costs more than encrypting it).
 */
export function messageProblem(text: string, byteLength: (text: string) => number = utf8ByteLength): string | null {
  if (text.length === 0) return MESSAGE_EMPTY;
  if (byteLength(text) > MAX_TEXT_BYTES) return MESSAGE_TOO_LONG;
  return null;
}
