/**
 * Groups in the command line. `--json` mode: the commands `group-create`, `group-add`, `group-remove`,
 * `group-promote`, `group-rename`, `group-leave`, `group-send`, `group-history`, `groups`, and the events they and the group feature produce.
 */
import type { EventChannel, InvokeChannel } from '../../shared/ipc/channels';
import type { ContractHandlers, EventPayload, Group, GroupMessage, RequestOf, ResponseOf } from '../../shared/ipc/contract';
import { dispatch } from '../../shared/ipc/dispatch';
import { gapsText, lastSeenText, pendingText } from '../../shared/group-status';
import { terminalBlock, terminalLine } from './terminal';

type Emit = (event: Record<string, unknown>) => void;
type Call = <C extends InvokeChannel>(channel: C, request: RequestOf<C>, then: (value: ResponseOf<C>) => void) => void;

export const GROUP_COMMANDS = ['group-create', 'group-add', 'group-remove', 'group-promote', 'group-rename', 'group-leave', 'group-send', 'group-history', 'groups'] as const;
type GroupCommand = (typeof GROUP_COMMANDS)[number];

export function isGroupCommand(cmd: string): cmd is GroupCommand {
  return (GROUP_COMMANDS as readonly string[]).includes(cmd);
}

/** Messages `/group status` looks back through for the person's last one. */
const STATUS_HISTORY = 200;

const historyItem = (message: GroupMessage) => ({ id: message.id, from: message.from, text: message.text, sentAt: message.sentAt });

/**
 * Runs one group command. Field types are checked here for clear errors; their contents by the contract's
 * schemas, as for every command.
 */
export function runGroupCommand(cmd: GroupCommand, own: (name: string) => unknown, call: Call, emit: Emit, fail: (message: string) => void): void {
  const text = (name: string): string | null => {
    const value = own(name);
    if (typeof value === 'string' && value.length > 0) return value;
    fail(`"${cmd}" needs the string field "${name}".`);
    return null;
  };
  if (cmd === 'groups') return call('group:list', {}, (groups) => emit({ event: 'groups', groups }));
  if (cmd === 'group-create') {
    const name = text('name');
    const members = own('members');
    if (name === null) return;
    if (!Array.isArray(members) || !members.every((m) => typeof m === 'string')) return fail('"group-create" needs "members": an array of contact ids.');
    return call('group:create', { name, members }, (group) =>
      emit({ event: 'group-created', group: group.id, name: group.name, members: group.members.map((m) => m.id) }),
    );
  }
  const group = text('group');
  if (group === null) return;
  switch (cmd) {
    case 'group-add': {
      const member = text('member');
      const role = own('role');
      if (role !== undefined && role !== 'admin' && role !== 'member') return fail('"role" is "admin" or "member".');
      if (member !== null) call('group:add', { group, member, ...(role !== undefined && { role }) }, () => {});
      return;
    }
    case 'group-remove':
    case 'group-promote': {
      const member = text('member');
      if (member !== null) call(cmd === 'group-remove' ? 'group:remove' : 'group:promote', { group, member }, () => {});
      return;
    }
    case 'group-rename': {
      const name = text('name');
      if (name !== null) call('group:rename', { group, name }, () => {});
      return;
    }
    case 'group-leave':
      return call('group:leave', { group }, () => {});
    case 'group-send': {
      const body = own('text');
      if (typeof body !== 'string') return fail('"group-send" needs the string field "text".');
      return call('group:send', { group, text: body }, (message) => emit({ event: 'queued', group, id: message.id }));
    }
    case 'group-history': {
      const before = own('before');
      const limit = own('limit');
      if (before !== undefined && typeof before !== 'string') return fail('"before" is a message id.');
      if (limit !== undefined && typeof limit !== 'number') return fail('"limit" is a number.');
      return call('group:history', { group, ...(before !== undefined && { before }), ...(limit !== undefined && { limit }) }, (page) =>
        emit({ event: 'group-history', group, messages: page.messages.map(historyItem), hasMore: page.hasMore }),
      );
    }
  }
}

/** The `--json` event for a group event of the feature, if it has one. */
export function groupJsonEvent<E extends EventChannel>(event: E, payload: EventPayload<E>, emit: Emit): boolean {
  switch (event) {
    case 'group:updated': {
      const group = payload as EventPayload<'group:updated'>;
      emit({
        event: 'group-members', group: group.id, name: group.name, members: group.members.map(({ id, name, role, lastSeen }) => ({ id, name, role, lastSeen })),
        waiting: group.waiting, gaps: group.gaps, otherMissing: group.otherMissing,
        ...(gapsText(group.gaps, group.otherMissing) !== null && { gapsText: gapsText(group.gaps, group.otherMissing) }),
      });
      return true;
    }
    case 'group:joined': {
      const { group, name, by } = payload as EventPayload<'group:joined'>;
      emit({ event: 'group-joined', group, name, by });
      return true;
    }
    case 'group:message-received': {
      const message = payload as EventPayload<'group:message-received'>;
      emit({ event: 'group-message', group: message.group, id: message.id, from: message.from, name: message.fromName, text: message.text, sentAt: message.sentAt, ...(message.late && { late: true }) });
      return true;
    }
    case 'group:status-changed': {
      const { group, id, status, delivered, members, pending } = payload as EventPayload<'group:status-changed'>;
      emit({ event: 'group-status', group, id, status, delivered, members, pending: pending.map(({ id: member, name, lastSeen }) => ({ member, name, lastSeen })) });
      return true;
    }
    case 'group:removed': {
      const { group, by } = payload as EventPayload<'group:removed'>;
      emit({ event: 'group-removed', group, by });
      return true;
    }
    case 'group:notice': {
      const { group, text } = payload as EventPayload<'group:notice'>;
      emit({ event: 'notice', group, text });
      return true;
    }
    default:
      return false;
  }
}

/**
 * Groups in the interactive terminal: `/groups` lists them, `/group new NAME MEMBER…` creates one from contacts
 * (by number or name, as `/to` picks them), `/group add MEMBER`, `/group remove MEMBER`, `/group promote MEMBER`,
 * `/group rename NAME` and `/group leave` act on the current group, and `/to NAME` picks a group by name. Lines typed while a group is current go to it.
 */
export function groupCommands(
  handlers: ContractHandlers,
  me: string,
  print: (...lines: string[]) => void,
  pickContact: (argument: string) => string | null,
) {
  const groups = new Map<string, Group>();
  let current: string | null = null;
  const call = async <C extends InvokeChannel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C> | null> => {
    const result = await dispatch(handlers, channel, request);
    if (result.ok) return result.value as ResponseOf<C>;
    print(`! ${result.error.message}`);
    return null;
  };
  const nameOf = (group: string) => terminalLine(groups.get(group)?.name ?? group.slice(0, 8));
  const memberName = (group: string, member: string) => terminalLine(groups.get(group)?.members.find((m) => m.id === member)?.name ?? member.slice(0, 8));
  const currentGroup = (): Group | null => {
    const group = current === null ? undefined : groups.get(current);
    if (!group) print('! Pick a group first: /groups lists them, /to NAME picks one.');
    return group ?? null;
  };
  const events: { [E in EventChannel]?: (payload: EventPayload<E>) => void } = {
    'group:updated': (group) => {
      const before = groups.get(group.id);
      groups.set(group.id, group);
      const waitingFor = gapsText(group.gaps, group.otherMissing);
      if (waitingFor !== null && waitingFor !== (before && gapsText(before.gaps, before.otherMissing))) print(terminalBlock(`* ${nameOf(group.id)}: `, waitingFor));
    },
    'group:joined': ({ group, name, by }) => print(`* ${memberName(group, by)} added you to the group "${terminalLine(name)}": /to ${terminalLine(name)} to write there`),
    'group:message-received': (message) =>
      print(terminalBlock(`[${nameOf(message.group)}] ${terminalLine(message.fromName)}${message.late ? ' (arrived late, earlier in the order)' : ''}: `, message.text)),
    'group:status-changed': ({ group, status, delivered, members }) => {
      if (status === 'delivered' && delivered === members) print(`* delivered to everyone in ${nameOf(group)} (${delivered}/${members})`);
    },
    'group:removed': ({ group, by }) => {
      print(by === me ? `* you left ${nameOf(group)}` : `* ${memberName(group, by)} removed you from ${nameOf(group)}`);
      if (current === group) current = null;
    },
    'group:notice': ({ group, text }) => print(terminalBlock(`* ${nameOf(group)}: `, text)),
  };

  return {
    get current(): string | null {
      return current;
    },
    leaveCurrent(): void {
      current = null;
    },
    event<E extends EventChannel>(event: E, payload: EventPayload<E>): void {
      events[event]?.(payload);
    },
    async load(): Promise<void> {
      for (const group of (await call('group:list', {})) ?? []) groups.set(group.id, group);
    },
    /** A group whose name is exactly `argument` (any case), for `/to`. */
    byName(argument: string): string | null {
      const wanted = argument.toLowerCase();
      return [...groups.values()].find((group) => group.isMember && group.name.toLowerCase() === wanted)?.id ?? null;
    },
    talkTo(group: string): void {
      current = group;
      const info = groups.get(group)!;
      print(`* writing to the group ${nameOf(group)} (${info.members.map((m) => `${terminalLine(m.name)}${m.role === 'admin' ? ' (admin)' : ''}`).join(', ')})`);
    },
    say(text: string): void {
      if (current === null) return;
      const group = current;
      void call('group:send', { group, text }).then((message) => {
        if (message?.status === 'queued') print(`* stored for ${nameOf(group)}: it goes to the members as they are reached`);
      });
    },
    list(): void {
      const mine = [...groups.values()].filter((group) => group.isMember);
      if (mine.length === 0) return print('* no groups yet: /group new NAME MEMBER… makes one');
      print(...mine.map((group) => `  ${terminalLine(group.name)}: ${group.members.map((m) => `${terminalLine(m.name)}${m.role === 'admin' ? ' (admin)' : ''}${m.online && !m.me ? ' online' : ''}`).join(', ')}${group.id === current ? '  <- current' : ''}`));
    },
    run(argument: string): void {
      const [verb = '', ...rest] = argument.split(/\s+/);
      if (verb === 'new') {
        const [name = '', ...names] = rest;
        if (name === '' || names.length === 0) return print('! /group new NAME MEMBER… (members by number or name, as /contacts lists them)');
        const members = names.map(pickContact);
        if (members.some((m) => m === null)) return;
        return void call('group:create', { name, members: members as string[] }).then((group) => {
          if (!group) return;
          groups.set(group.id, group);
          this.talkTo(group.id);
        });
      }
      if (verb === 'status') {
        const group = currentGroup();
        if (!group) return;
        return void call('group:history', { group: group.id, limit: STATUS_HISTORY }).then((page) => {
          const now = Date.now();
          const lines = group.members.filter((m) => !m.me).map((m) => `  ${terminalLine(m.name)}: ${m.online ? 'online' : `last seen ${lastSeenText(m.lastSeen, now)}`}`);
          const waitingFor = gapsText(group.gaps, group.otherMissing);
          if (waitingFor !== null) lines.push(`  ${terminalLine(waitingFor)}`);
          const mine = page?.messages.filter((m) => m.fromMe).at(-1);
          if (mine?.pending) {
            lines.push(`  your last message: ${mine.status === 'delivered' ? `delivered ${mine.delivered}/${mine.members}` : mine.status}`);
            lines.push(...pendingText(mine.pending, now).map((line) => `    ${terminalLine(line)}`));
          }
          print(`* ${terminalLine(group.name)}:`, ...lines);
        });
      }
      if (verb === 'leave') {
        const group = currentGroup();
        if (group) void call('group:leave', { group: group.id });
        return;
      }
      const printMembers = (updated: Group | null) => {
        if (updated) print(`* ${terminalLine(updated.name)}: ${updated.members.map((m) => `${terminalLine(m.name)}${m.role === 'admin' ? ' (admin)' : ''}`).join(', ')}`);
      };
      if (verb === 'add' || verb === 'remove' || verb === 'promote') {
        const group = currentGroup();
        if (!group) return;
        const who = rest.join(' ');
        const inGroup = group.members.find((m) => m.name.toLowerCase() === who.toLowerCase());
        const member = verb !== 'add' && inGroup ? inGroup.id : pickContact(who);
        if (member === null) return;
        const channel = verb === 'add' ? 'group:add' : verb === 'remove' ? 'group:remove' : 'group:promote';
        void call(channel, { group: group.id, member }).then(printMembers);
        return;
      }
      if (verb === 'rename') {
        const group = currentGroup();
        const name = rest.join(' ');
        if (!group) return;
        if (name === '') return print('! /group rename NAME');
        void call('group:rename', { group: group.id, name }).then(printMembers);
        return;
      }
      print('! /group new NAME MEMBER…, /group add MEMBER, /group remove MEMBER, /group promote MEMBER, /group rename NAME, /group status, /group leave');
    },
  };
}
