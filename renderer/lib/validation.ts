export { nameProblem } from '../../shared/validation';

/** Why a listening port would be refused, or null. */
/** A DHT relay setting: empty (none) or a key, 64 hex digits. */
export function relayProblem(text: string): string | null {
  const key = text.trim();
  if (key !== '' && !/^[0-9a-fA-F]{64}$/.test(key)) return "A relay is its key, 64 hex digits (leave it empty for none).";
  return null;
}

export function portProblem(text: string): string | null {
  if (!/^[0-9]{1,5}$/.test(text.trim()) || Number(text) > 65535) return 'The port is a number from 0 to 65535 (0: any free port).';
  return null;
}
