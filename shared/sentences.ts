/**
 * Sentences a person reads when a request is refused, built once here so the backend's answer, the window's
 * check as you type and the contract's validation always say the same thing.
 */
import { MAX_NAME_BYTES, MAX_TEXT_BYTES } from './protocol/limits';

export const NAME_EMPTY = 'A name cannot be empty.';
export const NAME_TOO_LONG = `A name can be at most ${MAX_NAME_BYTES} bytes.`;
export const MESSAGE_EMPTY = 'The message is empty.';
export const MESSAGE_TOO_LONG = `The message is too long: at most ${MAX_TEXT_BYTES / 1024} KiB.`;

/** `who`: the contact's name as the person knows it, or the peer's id where there is none. */
export function notConnectedTo(who: string): string {
  return `Not connected to ${who}.`;
}
