import { AppService, type AppServiceOptions } from '../../electron/core/app-service';
import type { EventChannel } from '../../shared/ipc/channels';
import type { ContractHandlers, EventPayload } from '../../shared/ipc/contract';
import { onCleanUp, tempDir, waitUntil } from './peers';

/** A running AppService with every event it emitted, closed by `cleanUp()`. */
export interface OpenedApp {
  service: AppService;
  handlers: ContractHandlers;
  events: Array<{ event: EventChannel; payload: unknown }>;
  dataDir: string;
}

/** Reconnects fast enough for tests to wait on, with the same backoff logic as the defaults. */
export const FAST_RECONNECT = { reconnectInitialMs: 50, reconnectMaxMs: 400 };

/** Opens an AppService on 127.0.0.1 (any port unless given) in a fresh data directory unless one is given. */
export async function openApp(opts: Partial<AppServiceOptions> = {}): Promise<OpenedApp> {
  const dataDir = opts.dataDir ?? (await tempDir());
  const service = await AppService.open({ appVersion: 'test', host: '127.0.0.1', port: 0, ...opts, dataDir });
  onCleanUp(() => service.close());
  const events: OpenedApp['events'] = [];
  service.subscribe((event, payload) => events.push({ event, payload }));
  return { service, handlers: service.handlers, events, dataDir };
}

export function eventsOf<E extends EventChannel>(opened: OpenedApp, event: E): Array<EventPayload<E>> {
  return opened.events.filter((e) => e.event === event).map((e) => e.payload as EventPayload<E>);
}

/**
 * Alice dials Bob; resolves once both see each other online. Alice dialed, so Bob is her contact; to Bob, Alice
 * is a message request, which he accepts unless `accept` is false: then they are contacts on both sides.
 */
export async function connectApps(alice: OpenedApp, bob: OpenedApp, { accept = true } = {}): Promise<{ bobKey: string; aliceKey: string }> {
  const conversation = await alice.handlers['peer:connect']({ host: '127.0.0.1', port: bob.service.node.port, mode: 'secure' });
  const aliceKey = alice.service.node.id;
  await waitUntil(() => eventsOf(bob, 'peer:updated').some((c) => c.peer === aliceKey && c.state === 'online'), 'Bob sees Alice online');
  if (accept) await bob.handlers['request:accept']({ peer: aliceKey });
  return { bobKey: conversation.peer, aliceKey };
}

/** Alice and Bob, each opened fresh, connected (Bob accepted Alice's request): for tests of what happens between two. */
export async function openPair() {
  const alice = await openApp({ name: 'Alice' });
  const bob = await openApp({ name: 'Bob' });
  return { alice, bob, ...(await connectApps(alice, bob)) };
}
