/**
 * Groups in the command line's `--json` mode: the commands `group-create`, `group-add`, `group-remove`,
 * `group-leave`, `group-send`, `group-history`, `groups`, and the events they and the group feature produce.
 */
import type { InvokeChannel } from '../../shared/ipc/channels';
import type { EventChannel } from '../../shared/ipc/channels';
import type { EventPayload, GroupMessage, RequestOf, ResponseOf } from '../../shared/ipc/contract';

type Emit = (event: Record<string, unknown>) => void;
type Call = <C extends InvokeChannel>(channel: C, request: RequestOf<C>, then: (value: ResponseOf<C>) => void) => void;

export const GROUP_COMMANDS = ['group-create', 'group-add', 'group-remove', 'group-leave', 'group-send', 'group-history', 'groups'] as const;
type GroupCommand = (typeof GROUP_COMMANDS)[number];

export function isGroupCommand(cmd: string): cmd is GroupCommand {
  return (GROUP_COMMANDS as readonly string[]).includes(cmd);
}

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
    case 'group-remove': {
      const member = text('member');
      if (member !== null) call('group:remove', { group, member }, () => {});
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
      emit({ event: 'group-members', group: group.id, name: group.name, members: group.members.map(({ id, name, role }) => ({ id, name, role })) });
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
      const { group, id, status, delivered, members } = payload as EventPayload<'group:status-changed'>;
      emit({ event: 'group-status', group, id, status, delivered, members });
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
