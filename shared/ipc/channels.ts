/**
 * The names of every channel, without their schemas: the preload needs only these, and stays small.
 * `contract.ts` checks at compile time that it declares exactly these channels.
 */
export const INVOKE_CHANNELS = [
  'identity:get',
  'identity:set-name',
  'node:status',
  'peer:connect',
  'peer:dial',
  'peer:dial-back',
  'node:doctor',
  'peer:cancel-connect',
  'peer:disconnect',
  'peer:list',
  'conversation:list',
  'conversation:mark-read',
  'message:send',
  'message:list',
  'message:typing',
  'message:retry',
  'message:cancel',
  'message:search',
  'contact:verify',
  'contact:approve-key',
  'contact:dismiss-key-change',
  'contact:send-held',
  'contact:rename',
  'contact:auto-accept',
  'contact:remove',
  'contact:reconnect',
  'request:accept',
  'request:decline',
  'contact:block',
  'group:create',
  'group:add',
  'group:remove',
  'group:promote',
  'group:rename',
  'group:leave',
  'group:send',
  'group:history',
  'group:list',
  'file:send',
  'file:choose',
  'file:accept',
  'file:decline',
  'file:cancel',
  'file:pause',
  'file:resume',
  'file:list',
  'file:show',
  'settings:get',
  'settings:set',
  'nearby:list',
  'nearby:connect',
  'conversation:viewing',
] as const;

export const EVENT_CHANNELS = [
  'peer:updated',
  'message:received',
  'message:status-changed',
  'message:removed',
  'conversation:removed',
  'node:updated',
  'group:updated',
  'group:joined',
  'group:message-received',
  'group:status-changed',
  'group:removed',
  'group:notice',
  'error:raised',
  'nearby:updated',
  'message:notify',
  'settings:updated',
  'conversation:open-requested',
  'file:offered',
  'file:updated',
] as const;

export type InvokeChannel = (typeof INVOKE_CHANNELS)[number];
export type EventChannel = (typeof EVENT_CHANNELS)[number];

export function isInvokeChannel(value: unknown): value is InvokeChannel {
  return typeof value === 'string' && (INVOKE_CHANNELS as readonly string[]).includes(value);
}

export function isEventChannel(value: unknown): value is EventChannel {
  return typeof value === 'string' && (EVENT_CHANNELS as readonly string[]).includes(value);
}
