import { utf8ByteLength } from '../../shared/bytes';
import { MAX_NAME_BYTES } from '../../shared/protocol/limits';

/** Why a display name would be refused (the same rule as the contract's), or null. */
export function nameProblem(name: string): string | null {
  if (name.trim() === '') return 'A name cannot be empty.';
  if (utf8ByteLength(name.trim()) > MAX_NAME_BYTES) return `A name can be at most ${MAX_NAME_BYTES} bytes.`;
  return null;
}

/** Why a listening port would be refused, or null. */
export function portProblem(text: string): string | null {
  if (!/^[0-9]{1,5}$/.test(text.trim()) || Number(text) > 65535) return 'The port is a number from 0 to 65535 (0: any free port).';
  return null;
}
