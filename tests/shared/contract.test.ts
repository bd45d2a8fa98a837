import { describe, expect, it } from 'vitest';
import { EVENT_CHANNELS, INVOKE_CHANNELS, type EventChannel, type InvokeChannel } from '../../shared/ipc/channels';
import { createApi, type Transport } from '../../shared/ipc/client';
import { eventContract, invokeContract, type ContractHandlers } from '../../shared/ipc/contract';
import { dispatch } from '../../shared/ipc/dispatch';
import { AppError, ok } from '../../shared/ipc/result';

describe('the contract', () => {
  it('declares a schema for exactly the channels and events that exist', () => {
    expect(Object.keys(invokeContract).sort()).toEqual([...INVOKE_CHANNELS].sort());
    expect(Object.keys(eventContract).sort()).toEqual([...EVENT_CHANNELS].sort());
    for (const channel of INVOKE_CHANNELS) expect(channel).toMatch(/^[a-z]+:[a-z-]+$/);
  });
});

describe('dispatch', () => {
  const handlers = new Proxy({} as ContractHandlers, {
    get: (_target, channel: string) => async (request: unknown) => {
      if (channel === 'peer:disconnect') throw new AppError('not-connected', 'Not connected to x.');
      if (channel === 'peer:list') throw new Error('disk on fire');
      return { channel, request };
    },
  });

  it('validates the payload before the handler sees it, filling in defaults', async () => {
    expect(await dispatch(handlers, 'message:list', { peer: 'abc' })).toEqual(ok({ channel: 'message:list', request: { peer: 'abc', limit: 100 } }));
    expect(await dispatch(handlers, 'peer:connect', { host: ' example.org ', port: 8000 })).toEqual(
      ok({ channel: 'peer:connect', request: { host: 'example.org', port: 8000, mode: 'secure' } }),
    );
  });

  it('refuses unknown channels, extra fields, wrong types and oversize text with sentences', async () => {
    expect(await dispatch(handlers, 'shell:exec', {})).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
    expect(await dispatch(handlers, 'peer:disconnect', { peer: 'a', evil: true })).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(await dispatch(handlers, 'peer:connect', { host: 'a', port: '8000' })).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(await dispatch(handlers, 'message:send', { peer: 'a', text: '' })).toEqual({
      ok: false,
      error: { code: 'invalid-request', message: 'The message is empty. (text)' },
    });
    expect(await dispatch(handlers, 'message:send', { peer: 'a', text: '€'.repeat(22_000) })).toMatchObject({
      ok: false,
      error: { code: 'invalid-request', message: 'The message is too long: at most 64 KiB. (text)' },
    });
    expect(await dispatch(handlers, 'message:list', null)).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
  });

  it('turns thrown errors into Result envelopes', async () => {
    expect(await dispatch(handlers, 'peer:disconnect', { peer: 'a' })).toEqual({ ok: false, error: { code: 'not-connected', message: 'Not connected to x.' } });
    expect(await dispatch(handlers, 'peer:list', {})).toEqual({ ok: false, error: { code: 'internal', message: 'Something went wrong: disk on fire' } });
  });
});

describe('the typed client', () => {
  it('maps api.area.verb to the channel area:verb and passes events through', async () => {
    const calls: Array<[InvokeChannel, unknown]> = [];
    let emit: (event: EventChannel, payload: unknown) => void = () => {};
    const transport: Transport = {
      invoke: async (channel, request) => {
        calls.push([channel, request]);
        return ok(null);
      },
      subscribe: (listener) => {
        emit = listener;
        return () => (emit = () => {});
      },
    };
    const api = createApi(transport);
    await api.peer.connect({ host: 'h', port: 1 });
    await api.peer.cancelConnect({ attempt: 'x' });
    await api.conversation.markRead({ peer: 'p' });
    await api.identity.get();
    expect(calls).toEqual([
      ['peer:connect', { host: 'h', port: 1 }],
      ['peer:cancel-connect', { attempt: 'x' }],
      ['conversation:mark-read', { peer: 'p' }],
      ['identity:get', {}],
    ]);
    const seen: unknown[] = [];
    const off = api.on('node:updated', (status) => seen.push(status.port));
    emit('node:updated', { port: 8001 });
    emit('peer:updated', { port: 1 });
    off();
    emit('node:updated', { port: 8002 });
    expect(seen).toEqual([8001]);
  });
});
