/**
 * Nearby peers in the command line: the interactive `/nearby` (a numbered list) and `/nearby N` (connect to one),
 * and the `--json` `nearby` event. The list is the discovery feature's: hints until a handshake shows the key.
 */
import type { Conversation, ContractHandlers, NearbyPeer } from '../../shared/ipc/contract';
import { dispatch } from '../../shared/ipc/dispatch';
import { terminalLine } from './terminal';

/** One nearby peer as the `--json` `nearby` event lists it: `contact` is the contact's `peer` when the key is one. */
export function nearbyJson(peers: NearbyPeer[]) {
  return { event: 'nearby', peers: peers.map((p) => ({ fingerprint: p.fingerprint, address: p.address, ...(p.contact && { contact: p.contact.peer, name: p.contact.name }) })) };
}

export function nearbyCommands(handlers: ContractHandlers, print: (...lines: string[]) => void, connected: (conversation: Conversation) => void) {
  /** What `/nearby` showed last: `/nearby N` means shown[N - 1]. */
  let shown: NearbyPeer[] = [];
  const line = (p: NearbyPeer, i: number) => `  ${i + 1}. ${p.fingerprint} at ${p.address}${p.contact ? ` (your contact ${terminalLine(p.contact.name)})` : ''}`;

  return (argument: string): void => {
    if (argument === '') {
      void dispatch(handlers, 'nearby:list', {}).then((result) => {
        if (!result.ok) return print(`! ${result.error.message}`);
        shown = (result.value as { peers: NearbyPeer[] }).peers;
        if (shown.length === 0) return print('* nobody heard nearby (peerline --discover looks; the settings say whether to)');
        print(...shown.map(line), '* /nearby N connects to one (its key must match what it announced)');
      });
      return;
    }
    const n = /^[0-9]+$/.test(argument) ? Number(argument) : NaN;
    const peer = shown[n - 1];
    if (!peer) return print('! /nearby N takes the number of a peer from /nearby.');
    print(`* connecting to ${peer.fingerprint} at ${peer.address}…`);
    void dispatch(handlers, 'nearby:connect', { fingerprint: peer.fingerprint, address: peer.address }).then((result) => {
      if (!result.ok) return print(`! ${result.error.message}`);
      connected(result.value as Conversation);
    });
  };
}
