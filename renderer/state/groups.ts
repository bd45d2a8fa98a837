/**
 * Groups: the ones we are in (or were), their members and roles, and the messages of those opened, in the
 * backend's display order (clock, author, id). A message from a healed partition is inserted in place and marked
 * late; ours carry "delivered k of n". Events land here through the reducers below.
 */
import type { EventPayload, Group, GroupMessage } from '../../shared/ipc/contract';
import type { Result } from '../../shared/ipc/result';
import type { AppState, Change, SliceCreator } from './types';

export interface GroupsSlice {
  groups: Record<string, Group>;
  /** Loaded messages of each opened group, in display order. */
  groupMessages: Record<string, GroupMessage[]>;
  selectedGroup: string | null;
  loadGroups(): Promise<void>;
  selectGroup(group: string | null): Promise<void>;
  createGroup(name: string, members: string[]): Promise<Result<Group>>;
  sendToGroup(group: string, text: string): Promise<Result<GroupMessage>>;
  addToGroup(group: string, member: string): Promise<Result<Group>>;
  removeFromGroup(group: string, member: string): Promise<Result<Group>>;
  promoteInGroup(group: string, member: string): Promise<Result<Group>>;
  renameGroup(group: string, name: string): Promise<Result<Group>>;
  leaveGroup(group: string): Promise<Result<null>>;
}

/** The newest messages loaded on opening a group. */
const GROUP_PAGE = 200;

export const groupsSlice: SliceCreator<GroupsSlice> = ({ api }) => (set, get) => {
  const failed = (result: Result<unknown>) => {
    if (!result.ok) get().pushToast('error', result.error.message);
  };
  const updated = (result: Result<Group>) => {
    if (result.ok) set((state) => groupUpdated(state, result.value));
    else failed(result);
    return result;
  };
  return {
    groups: {},
    groupMessages: {},
    selectedGroup: null,
    async loadGroups() {
      const result = await api.group.list();
      if (result.ok) set((state) => ({ groups: { ...state.groups, ...Object.fromEntries(result.value.map((group) => [group.id, group])) } }));
      else failed(result);
    },
    async selectGroup(group) {
      set({ selectedGroup: group, ...(group !== null && { selectedPeer: null }) });
      if (group === null) return;
      const result = await api.group.history({ group, limit: GROUP_PAGE });
      if (!result.ok) return failed(result);
      set((state) => ({ groupMessages: { ...state.groupMessages, [group]: mergeMessages(state.groupMessages[group] ?? [], result.value.messages) } }));
    },
    async createGroup(name, members) {
      return updated(await api.group.create({ name, members }));
    },
    async sendToGroup(group, text) {
      const result = await api.group.send({ group, text });
      if (result.ok) set((state) => groupMessageReceived(state, result.value));
      else failed(result);
      return result;
    },
    async addToGroup(group, member) {
      return updated(await api.group.add({ group, member }));
    },
    async removeFromGroup(group, member) {
      return updated(await api.group.remove({ group, member }));
    },
    async promoteInGroup(group, member) {
      return updated(await api.group.promote({ group, member }));
    },
    async renameGroup(group, name) {
      return updated(await api.group.rename({ group, name }));
    },
    async leaveGroup(group) {
      const result = await api.group.leave({ group });
      failed(result);
      return result;
    },
  };
};

/** Inserts messages by (sentAt, from, id), the backend's order, keeping one of each id (the newest copy). */
function mergeMessages(current: GroupMessage[], incoming: GroupMessage[]): GroupMessage[] {
  const byId = new Map(current.map((message) => [message.id, message]));
  for (const message of incoming) byId.set(message.id, { ...byId.get(message.id), ...message });
  return [...byId.values()].sort(compareGroupMessages);
}

function compareGroupMessages(a: GroupMessage, b: GroupMessage): number {
  return a.sentAt - b.sentAt || a.counter - b.counter || (a.from < b.from ? -1 : a.from > b.from ? 1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function groupUpdated(state: AppState, group: Group): Change {
  return { groups: { ...state.groups, [group.id]: group } };
}

export function groupMessageReceived(state: AppState, message: GroupMessage): Change {
  const loaded = state.groupMessages[message.group];
  if (loaded === undefined) return {};
  return { groupMessages: { ...state.groupMessages, [message.group]: mergeMessages(loaded, [message]) } };
}

export function groupStatusChanged(state: AppState, change: EventPayload<'group:status-changed'>): Change {
  const loaded = state.groupMessages[change.group];
  if (!loaded?.some((message) => message.id === change.id)) return {};
  return {
    groupMessages: {
      ...state.groupMessages,
      [change.group]: loaded.map((message) => (message.id === change.id ? { ...message, status: change.status, delivered: change.delivered, members: change.members, pending: change.pending } : message)),
    },
  };
}

export function groupRemoved(state: AppState, { group }: EventPayload<'group:removed'>): Change {
  const known = state.groups[group];
  return known ? { groups: { ...state.groups, [group]: { ...known, isMember: false } } } : {};
}
