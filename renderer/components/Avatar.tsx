import type { PeerState } from '../../shared/ipc/contract';
import { avatarColour, initials } from '../lib/format';

/** Initials on a colour that stays the same for a peer; a dot shows the connection state when given. */
export function Avatar({ name, colourKey, state, size = 'md' }: { name: string; colourKey: string; state?: PeerState; size?: 'sm' | 'md' | 'lg' }) {
  return (
    <span className={`avatar avatar-${size} avatar-c${avatarColour(colourKey)}`} aria-hidden="true">
      {initials(name)}
      {state !== undefined && <span className={`avatar-dot dot-${state}`} />}
    </span>
  );
}
