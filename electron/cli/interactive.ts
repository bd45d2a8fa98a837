import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { parsePeerAddress } from '../../shared/address';
import type { EventChannel, InvokeChannel } from '../../shared/ipc/channels';
import type { Conversation, EventPayload, Message, RequestOf, ResponseOf } from '../../shared/ipc/contract';
import { dispatch } from '../../shared/ipc/dispatch';
import { cleanName, distinctNames } from '../../shared/names';
import type { ConnectionMode } from '../core/connection';
import type { AppService } from '../core/app-service';
import type { ContactSession } from '../core/app-service';
import { pathLabel } from '../../shared/session-path';
import { USAGE } from './args';
import { groupCommands } from './groups';
import { doctorLines } from './doctor';
import { nearbyCommands } from './nearby';
import { fileCommands } from './files';
import { requestCommands } from './requests';
import { terminalBlock, terminalLine } from './terminal';

/** How many messages `/history` prints when no number is given, and the most it prints. */
const HISTORY_DEFAULT = 20;
const HISTORY_MAX = 500;
/** How many of a conversation's latest messages are shown on switching to it. */
const RECENT_ON_SWITCH = 3;
/** Waiting messages delivered within this long of each other are told in one line. */
const DELIVERED_BATCH_MS = 500;

/**
 * The interactive terminal chat, a client of the same store as the window: lines starting with `/` are commands;
 * any other line goes to the current contact, now if it is online, else when it is back (it waits in the store).
 * Contacts keep their number while the program runs. Peer text is made terminal-safe before it is printed.
 */
export async function runInteractive(service: AppService, io: { input: Readable; output: Writable; appVersion: string; uiUrl?: string }): Promise<void> {
  const node = service.node;
  const rl = readline.createInterface({ input: io.input, output: io.output, prompt: '> ' });
  /** Every contact as last told, by its `peer`. */
  const contacts = new Map<string, Conversation>();
  /** Contact numbers: `/to N` picks numbers[N - 1]. Removed contacts leave their number unused. */
  const numbers: string[] = [];
  /** Our messages that had to wait (queued, or cut off before their ack): their delivery is told. */
  const waiting = new Map<string, Set<string>>();
  /** Our messages written to an online contact and not yet acknowledged: their delivery is not worth a line. */
  const unacked = new Map<string, Set<string>>();
  const deliveredBatches = new Map<string, { count: number; timer?: NodeJS.Timeout }>();
  let current: string | null = null;

  /** Set once readline closed (/quit, end of input): readline throws ERR_USE_AFTER_CLOSE on a prompt after that
   *  under Node 24 (Node 20 ignored it), and events still arrive while the service says goodbye. */
  let closed = false;
  const prompt = (preserveCursor?: boolean) => {
    if (!closed) rl.prompt(preserveCursor);
  };

  const onTerminal = (io.output as { isTTY?: boolean }).isTTY === true;
  /** Prints lines (one write, so that a block stays together). */
  const print = (...lines: string[]) => {
    // On a terminal, print above the line being typed; into a pipe, just print.
    if (onTerminal) {
      readline.clearLine(io.output, 0);
      readline.cursorTo(io.output, 0);
    }
    io.output.write(lines.join('\n') + '\n');
    prompt(true);
  };
  /** Calls the contract, validated as from any transport; a refusal is printed and answers null. */
  const call = async <C extends InvokeChannel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C> | null> => {
    const result = await dispatch(service.handlers, channel, request);
    if (result.ok) return result.value as ResponseOf<C>;
    print(`! ${result.error.message}`);
    return null;
  };
  // `/to`'s picking of a contact is defined below; the group commands reach it when a command runs.
  const groups = groupCommands(service.handlers, node.id, print, (argument) => pick(argument));
  const setOf = (map: Map<string, Set<string>>, peer: string) => {
    let set = map.get(peer);
    if (!set) map.set(peer, (set = new Set()));
    return set;
  };

  const numberOf = (peer: string) => {
    const index = numbers.indexOf(peer);
    return index >= 0 ? index + 1 : numbers.push(peer);
  };
  const remember = (conversation: Conversation) => {
    contacts.set(conversation.peer, conversation);
    numberOf(conversation.peer);
  };
  /** A plain-text peer goes by `plain:HOST:PORT` unless the person named it. */
  /** Names that read alike (`B`, `B` with a zero-width space) are told apart by a short fingerprint each. */
  const nameOf = (peer: string, fallback?: string) => {
    const contact = contacts.get(peer);
    if (!contact) return terminalLine(cleanName(fallback ?? peer, peer));
    if (contact.mode === 'plain' && contact.localName === undefined) return terminalLine(contact.peer);
    return terminalLine(distinctNames([...contacts.values()]).get(peer) ?? contact.name);
  };
  const describe = (info: ContactSession, peer: string) =>
    info.mode === 'secure'
      ? `${nameOf(peer, info.name ?? info.peer.slice(0, 8))} at ${info.address} (encrypted, ${info.path === 'tcp' ? '' : `${pathLabel(info.path)}, `}fingerprint ${info.fingerprint})`
      : `${info.address} (plain text, UNENCRYPTED)`;
  const contactLine = (contact: Conversation) => {
    const notes = [
      contact.state === 'online' ? 'online' : 'offline',
      ...(contact.mode === 'plain' ? ['plain text'] : []),
      // The verified mark is for the old key: a new one waiting for approval is not verified.
      ...(contact.keyChange?.needsApproval ? [] : contact.verified ? ['✓ verified'] : []),
      ...(contact.queued > 0 ? [`${contact.queued} waiting`] : []),
      ...(contact.keyChange?.needsApproval ? ['new key: /approve'] : []),
      ...(contact.heldUntil !== undefined ? ['messages held since its key changed: /send-held'] : []),
      ...(contact.request ? ['message request: /requests'] : []),
    ];
    return `  ${numberOf(contact.peer)}. ${nameOf(contact.peer)} (${notes.join(', ')})${contact.peer === current ? '  <- current' : ''}`;
  };

  // ---- Telling what happens ----

  const flushDelivered = (peer: string) => {
    const batch = deliveredBatches.get(peer);
    if (!batch) return;
    clearTimeout(batch.timer);
    deliveredBatches.delete(peer);
    print(`* delivered to ${nameOf(peer)} (${plural(batch.count, 'waiting message')})`);
  };
  const onStatus = ({ peer, id, status, failure }: EventPayload<'message:status-changed'>) => {
    if (status === 'delivered') {
      if (unacked.get(peer)?.delete(id)) return;
      if (!waiting.get(peer)?.delete(id)) return;
      const batch = deliveredBatches.get(peer) ?? { count: 0 };
      deliveredBatches.set(peer, batch);
      batch.count += 1;
      clearTimeout(batch.timer);
      if (waiting.get(peer)!.size === 0) flushDelivered(peer);
      else batch.timer = setTimeout(() => flushDelivered(peer), DELIVERED_BATCH_MS);
    } else if (status === 'failed') {
      unacked.get(peer)?.delete(id);
      waiting.get(peer)?.delete(id);
      print(`! a message to ${nameOf(peer)} was not sent: ${terminalLine(failure ?? 'no reason given')}`);
    }
  };
  const onMessage = (message: Message) => {
    if (message.kind === 'notice') {
      print(terminalBlock('* ', message.text));
      if (contacts.get(message.peer)?.keyChange?.needsApproval) {
        const switchTo = current === message.peer ? '' : `/to ${numberOf(message.peer)}, `;
        print(`* messages to ${nameOf(message.peer)} wait for your approval: ${switchTo}/verify to compare, then /approve`);
      } else if (contacts.get(message.peer)?.heldUntil !== undefined && contacts.get(message.peer)?.keyChange !== undefined) {
        const switchTo = current === message.peer ? '' : `/to ${numberOf(message.peer)}, `;
        print(`* what you wrote to ${nameOf(message.peer)} before is held: ${switchTo}/verify to compare, then /send-held to send it to the new key`);
      }
    } else if (!message.fromMe) {
      print(terminalBlock(`[${nameOf(message.peer)}${message.unapprovedKey ? ' (new key, NOT approved)' : ''}] `, message.text));
    }
  };
  const events: { [E in EventChannel]?: (payload: EventPayload<E>) => void } = {
    'peer:updated': remember,
    'conversation:removed': ({ peer }) => {
      const name = nameOf(peer);
      contacts.delete(peer);
      if (current === peer) {
        current = null;
        print(`* ${name} was removed from your contacts`);
      }
    },
    'message:received': onMessage,
    'message:status-changed': onStatus,
    'error:raised': ({ message }) => print(terminalBlock('! ', message)),
  };
  service.subscribe((event, payload) => {
    events[event]?.(payload);
    groups.event(event, payload);
  });

  // Only the person picks who their lines go to (/connect, /to): a peer that dials in never becomes current.
  service.sessions.on('connected', (info) => {
    const peer = info.peer;
    print(`* connected: ${describe(info, peer)}`);
    if (info.direction === 'inbound' && peer !== current) {
      const name = nameOf(peer, info.name ?? info.peer.slice(0, 8));
      print(`* ${name} connected to you: /to ${numberOf(peer)} to talk to ${name}`);
    }
  });
  service.sessions.on('disconnected', ({ peer, reason }) => {
    // Written but not acknowledged: these go again when the contact is back, so their delivery is news.
    for (const id of unacked.get(peer) ?? []) setOf(waiting, peer).add(id);
    unacked.delete(peer);
    const name = nameOf(peer);
    const returns = contacts.get(peer)?.mode === 'secure';
    const waits = current === peer && returns ? `; what you type to ${name} now waits until ${name} is back` : '';
    print(`* ${name} disconnected: ${terminalLine(reason)}${waits}`);
    // A plain-text peer cannot be reached again.
    if (current === peer && !returns) current = null;
  });
  node.on('log', (line) => print(`* ${terminalLine(line)}`));

  // ---- Conversations ----

  const timeOf = (at: number) => {
    const date = new Date(at);
    const two = (n: number) => String(n).padStart(2, '0');
    const time = `${two(date.getHours())}:${two(date.getMinutes())}`;
    const today = new Date().toDateString() === date.toDateString();
    return today ? time : `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${time}`;
  };
  const historyLine = (message: Message) => {
    const time = timeOf(message.at);
    if (message.kind === 'notice') return terminalBlock(`  ${time} * `, message.text);
    if (!message.fromMe) return terminalBlock(`  ${time} ${nameOf(message.peer)}${message.unapprovedKey ? ' (new key, NOT approved)' : ''}: `, message.text);
    const status = message.status === 'failed' ? `failed: ${terminalLine(message.failure ?? 'no reason given')}` : message.status;
    return `${terminalBlock(`  ${time} me: `, message.text)}${status ? `  [${status}]` : ''}`;
  };
  /** The last `count` messages with `peer`; with `header`, says so (and that there are none). */
  const showHistory = async (peer: string, count: number, header: boolean) => {
    const page = await call('message:list', { peer, limit: count });
    if (!page) return;
    const lines = page.messages.map(historyLine);
    const name = nameOf(peer);
    if (header && lines.length === 0) return print(`* no messages with ${name} yet`);
    if (header) {
      const older = page.hasMore ? ` (the last ${lines.length}; /history ${Math.min(HISTORY_MAX, count * 5)} shows more)` : '';
      lines.unshift(`* history with ${name}${older}:`);
    }
    if (lines.length > 0) print(...lines);
  };
  /** How a line typed now would go to this contact, when not at once. */
  const stateNote = (contact: Conversation) => {
    const name = nameOf(contact.peer);
    if (contact.keyChange?.needsApproval) return ` (new key: messages wait until you compare safety numbers and /approve it)`;
    if (contact.state === 'online') return '';
    if (contact.mode === 'plain') return ' (gone: a plain-text peer cannot be reached again)';
    return ` (offline: what you type waits until ${name} is back)`;
  };
  const talkTo = (peer: string) => {
    groups.leaveCurrent();
    const switched = current !== peer;
    current = peer;
    const contact = contacts.get(peer);
    print(`* talking to ${nameOf(peer)}${contact ? stateNote(contact) : ''}`);
    if (switched) void showHistory(peer, RECENT_ON_SWITCH, false);
  };
  /** `/to`'s argument: a contact's number, or the start of its shown name (a whole name wins over a start). */
  const pick = (argument: string): string | null => {
    const listed = numbers.filter((peer) => contacts.has(peer));
    if (argument === '') {
      print('! /to N or /to NAME picks a contact; /contacts lists them.');
      return null;
    }
    if (/^[0-9]+$/.test(argument)) {
      const peer = numbers[Number(argument) - 1];
      if (peer !== undefined && contacts.has(peer)) return peer;
      print(`! There is no contact ${argument}; /contacts lists them.`);
      return null;
    }
    const wanted = argument.toLowerCase();
    const whole = listed.filter((peer) => nameOf(peer).toLowerCase() === wanted);
    const matches = whole.length > 0 ? whole : listed.filter((peer) => nameOf(peer).toLowerCase().startsWith(wanted));
    if (matches.length === 1) return matches[0]!;
    if (matches.length === 0) print(`! No contact's name starts with "${terminalLine(argument)}"; /contacts lists them.`);
    else print(`! "${terminalLine(argument)}" could be ${matches.map((peer) => `${nameOf(peer)} (${numberOf(peer)})`).join(' or ')}: type more of the name, or /to N.`);
    return null;
  };
  const currentContact = (): Conversation | null => {
    const contact = current === null ? undefined : contacts.get(current);
    if (!contact) print('! Pick a contact first: /contacts lists them, /to N picks one.');
    return contact ?? null;
  };

  const say = (text: string) => {
    if (groups.current !== null) return groups.say(text);
    if (current === null) {
      if (contacts.size === 0) print('! Nobody to talk to yet: /connect HOST:PORT first.');
      else print('! Nobody to talk to yet: /contacts lists your contacts, /to N picks one.');
      return;
    }
    const peer = current;
    void call('message:send', { peer, text }).then((message) => {
      if (message?.status === 'sent' && contacts.get(peer)?.mode === 'secure') setOf(unacked, peer).add(message.id);
      if (message?.status !== 'queued') return;
      setOf(waiting, peer).add(message.id);
      const name = nameOf(peer);
      if (contacts.get(peer)?.keyChange?.needsApproval) print(`* queued for ${name}: will be sent once you /approve ${name}'s new key`);
      else print(`* queued for ${name}: will be sent when ${name} is back`);
    });
  };

  const connect = (argument: string, mode: ConnectionMode) => {
    const contact = current === null ? undefined : contacts.get(current);
    if (argument === '' && mode === 'secure' && contact?.mode === 'secure') {
      // No address: dial the current contact again now, instead of at its next retry.
      if (contact.state === 'online') return print(`* ${nameOf(contact.peer)} is connected already`);
      print(`* dialing ${nameOf(contact.peer)} again…`);
      return void call('contact:reconnect', { peer: contact.peer });
    }
    let dialing: Promise<Conversation | null>;
    if (mode === 'secure') {
      // An address, a key or a peerline: link: the service tells them apart (and says what is wrong).
      dialing = call('peer:dial', { target: argument });
    } else {
      const parsed = parsePeerAddress(argument);
      if (!parsed.ok) return print(`! ${parsed.error}`);
      dialing = call('peer:connect', { host: parsed.host, port: parsed.port, mode });
    }
    print(`* connecting to ${terminalLine(argument.trim())}…`);
    void dialing.then((conversation) => conversation && dialed(conversation));
  };
  const dialed = (conversation: Conversation) => {
    remember(conversation);
    // The one the person dialed becomes current when nobody is.
    if (current === null) talkTo(conversation.peer);
  };

  const verify = (argument: string) => {
    const contact = currentContact();
    if (!contact) return;
    const name = nameOf(contact.peer);
    if (contact.mode !== 'secure') return print('! A plain-text peer has no key to verify.');
    if (argument === 'yes' || argument === 'no') {
      return void call('contact:verify', { peer: contact.peer, verified: argument === 'yes' }).then((updated) => {
        if (updated) print(updated.verified ? `* ${name} is marked verified` : `* ${name} is no longer marked verified`);
      });
    }
    if (argument !== '') return print('! /verify shows the safety number; /verify yes marks the contact verified, /verify no takes that back.');
    const change = contact.keyChange;
    if (change?.needsApproval) {
      return print(
        `* ${name}'s key changed: fingerprint ${change.fingerprint}, was ${change.previousFingerprint}`,
        `* ask ${name} for the fingerprint peerline shows at start ("your fingerprint"); if it is ${change.fingerprint}: /approve`,
      );
    }
    print(
      `* safety number with ${name}: ${contact.safetyNumber ?? '?'}`,
      `  (${name}'s fingerprint ${contact.fingerprint ?? '?'}, yours ${node.identity.fingerprint})`,
      contact.verified
        ? `* ${name} is verified; /verify no takes that back`
        : `* compare these digits with ${name} (in person, or on a call); if they are the same: /verify yes`,
    );
  };

  const requests = requestCommands(service.handlers, print);
  const nearby = nearbyCommands(service.handlers, print, dialed);
  const files = fileCommands(service.files, print, (peer) => nameOf(peer));
  const command = (line: string) => {
    const [word = '', ...rest] = line.split(/\s+/);
    const argument = rest.join(' ');
    if (files.handles(word, argument)) return files.run(word, argument, current);
    if (requests.handles(word)) return requests.run(word, argument);
    switch (word) {
      case '/connect':
        return connect(argument, 'secure');
      case '/plain':
        return connect(argument, 'plain');
      case '/doctor':
        return void call('node:doctor', {}).then((report) => report && print(...doctorLines(report)));
      case '/contacts':
        return void call('conversation:list', {}).then((list) => {
          if (!list) return;
          list.forEach(remember);
          const shown = numbers.flatMap((peer) => contacts.get(peer) ?? []);
          if (shown.length === 0) print('* no contacts yet: /connect HOST:PORT to reach someone');
          else print(...shown.map(contactLine));
        });
      case '/nearby':
        return nearby(argument);
      case '/peers': {
        const peers = service.openSessions();
        if (peers.length === 0) return print('* no peers connected');
        return print(
          ...peers.map((info) => {
            const peer = info.peer;
            const number = contacts.has(peer) ? `${numberOf(peer)}.` : '-';
            return `  ${number} ${describe(info, peer)}${peer === current ? '  <- current' : ''}`;
          }),
        );
      }
      case '/to': {
        const group = groups.byName(argument);
        if (group !== null) {
          current = null;
          return groups.talkTo(group);
        }
        const peer = pick(argument);
        if (peer !== null) talkTo(peer);
        return;
      }
      case '/history': {
        const count = argument === '' ? HISTORY_DEFAULT : /^[0-9]+$/.test(argument) ? Number(argument) : NaN;
        if (!(count >= 1 && count <= HISTORY_MAX)) return print(`! /history N shows the last N messages, N from 1 to ${HISTORY_MAX}.`);
        const contact = currentContact();
        if (contact) void showHistory(contact.peer, count, true);
        return;
      }
      case '/verify':
        return verify(argument);
      case '/approve': {
        const contact = currentContact();
        // Its notice ("You approved …") is printed as it is stored.
        if (contact) void call('contact:approve-key', { peer: contact.peer });
        return;
      }
      case '/send-held': {
        const contact = currentContact();
        if (contact) void call('contact:send-held', { peer: contact.peer }).then((updated) => updated && print(`* what was held goes to ${nameOf(contact.peer)}'s new key`));
        return;
      }
      case '/groups':
        return groups.list();
      case '/group':
        return groups.run(argument);
      case '/help':
        return print(USAGE.slice(USAGE.indexOf('Interactive commands:')).trimEnd());
      case '/quit':
        return rl.close();
      default:
        return print(`! Unknown command ${word}; /help lists them.`);
    }
  };

  rl.on('line', (line) => {
    const text = line.trim();
    if (text.startsWith('/')) command(text);
    else if (text.length > 0) say(line);
    prompt();
  });
  const finished = new Promise<void>((resolve) => {
    rl.on('close', () => {
      closed = true;
      for (const batch of deliveredBatches.values()) clearTimeout(batch.timer);
      io.output.write('\nSaying goodbye…\n');
      void service.close().then(resolve);
    });
  });

  // The contacts known from earlier runs, most recent first, and which of our messages still wait for them.
  const known = (await call('conversation:list', {})) ?? [];
  await groups.load();
  for (const contact of known) if (!contacts.has(contact.peer)) remember(contact);
  for (const contact of known) {
    if (contact.queued === 0 || contact.mode !== 'secure') continue;
    void call('message:list', { peer: contact.peer, limit: HISTORY_MAX }).then((page) => {
      for (const m of page?.messages ?? []) if (m.fromMe && (m.status === 'queued' || m.status === 'sent')) setOf(waiting, contact.peer).add(m.id);
    });
  }

  io.output.write(`Peerline ${io.appVersion}, listening on ${node.listeningHost}:${node.port}\n`);
  const addresses = node.dialableAddresses();
  if (addresses.length > 0) io.output.write(`  others can dial: ${addresses.join(', ')}\n`);
  io.output.write(`  your fingerprint: ${node.identity.fingerprint}\n`);
  if (node.reachableByKey) io.output.write(`  reachable by key: /doctor shows your invite link\n`);
  if (io.uiUrl) io.output.write(`  the Peerline window, for this machine only: ${io.uiUrl}\n`);
  if (known.length > 0) {
    const queued = known.reduce((sum, contact) => sum + contact.queued, 0);
    io.output.write(`  ${plural(known.length, 'contact')}${queued > 0 ? `, ${plural(queued, 'message')} waiting` : ''}: /contacts lists them\n`);
  }
  for (const notice of service.startupNotices()) io.output.write(terminalBlock('* ', notice) + '\n');
  io.output.write('Type /help for commands.\n');
  prompt();
  return finished;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
