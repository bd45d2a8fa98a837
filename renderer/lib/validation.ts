export { nameProblem } from '../../shared/validation';

/** Why a listening port would be refused, or null. */
export function portProblem(text: string): string | null {
  if (!/^[0-9]{1,5}$/.test(text.trim()) || Number(text) > 65535) return 'The port is a number from 0 to 65535 (0: any free port).';
  return null;
}
