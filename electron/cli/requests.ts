/**
 * Message requests in the command line: the `--json` `request` event and its commands, and the interactive
 * `/requests`, `/accept N`, `/decline N`, `/block N`. A request is a conversation with `request` set: a peer the
 * person has not accepted (nor dialed), with what of it is stored (see features/requests).
 */
import type { Conversation, ContractHandlers } from '../../shared/ipc/contract';
import { dispatch } from '../../shared/ipc/dispatch';
import { terminalLine } from './terminal';

/** The `--json` commands about requests, by `cmd`, with the channel each calls with `{ peer }`. */
export const REQUEST_COMMANDS = { 'request-accept': 'request:accept', 'request-decline': 'request:decline', block: 'contact:block' } as const;

export function isRequestCommand(cmd: string): cmd is keyof typeof REQUEST_COMMANDS {
  return Object.hasOwn(REQUEST_COMMANDS, cmd);
}

/**
 * Turns `peer:updated` into `request` events: one each time a request has stored more, so a bot sees who is
 * asking and how much is kept. Remembers one count per request, forgotten once it is decided or removed.
 */
export function requestEvents(emit: (event: Record<string, unknown>) => void) {
  const told = new Map<string, number>();
  return {
    updated(conversation: Conversation): void {
      const { peer, request } = conversation;
      if (!request) return void told.delete(peer);
      if (request.messages === 0 || told.get(peer) === request.messages) return;
      told.set(peer, request.messages);
      emit({ event: 'request', peer, name: conversation.name, messages: request.messages, bytes: request.bytes });
    },
    removed(peer: string): void {
      told.delete(peer);
    },
  };
}

/** The interactive commands: `/requests` lists them numbered, and `/accept N`, `/decline N`, `/block N` decide. */
export function requestCommands(handlers: ContractHandlers, print: (...lines: string[]) => void) {
  /** What `/requests` showed last: `/accept N` means shown[N - 1]. */
  let shown: Conversation[] = [];
  const decide = { '/accept': 'request:accept', '/decline': 'request:decline', '/block': 'contact:block' } as const;
  const nameOf = (c: Conversation) => terminalLine(c.mode === 'plain' && c.localName === undefined ? c.peer : c.name);

  return {
    handles: (word: string): boolean => word === '/requests' || Object.hasOwn(decide, word),
    run(word: string, argument: string): void {
      if (word === '/requests') {
        void dispatch(handlers, 'conversation:list', {}).then((result) => {
          if (!result.ok) return print(`! ${result.error.message}`);
          shown = (result.value as Conversation[]).filter((c) => c.request !== undefined);
          if (shown.length === 0) return print('* no message requests');
          print(
            ...shown.map((c, i) => `  ${i + 1}. ${nameOf(c)} (${c.mode === 'plain' ? 'plain text, ' : ''}${c.request!.messages} messages kept, ${c.request!.bytes} bytes)`),
            '* /accept N, /decline N or /block N; /to NAME and a reply accepts too',
          );
        });
        return;
      }
      const n = /^[0-9]+$/.test(argument) ? Number(argument) : NaN;
      const request = shown[n - 1];
      if (!request) return print(`! ${word} N takes the number of a request from /requests.`);
      const channel = decide[word as keyof typeof decide];
      void dispatch(handlers, channel, { peer: request.peer }).then((result) => {
        if (!result.ok) return print(`! ${result.error.message}`);
        print(`* ${nameOf(request)}: ${channel === 'request:accept' ? 'accepted, now a contact' : channel === 'contact:block' ? 'blocked' : 'declined and forgotten'}`);
      });
    },
  };
}
