/**
 * What every feature gets from the facade: the store, the node, the event hub and the per-session step chain.
 * Features depend one way only, in a fixed order (see app-service.ts), and never on the facade.
 */
import type { EventChannel } from '../../../shared/ipc/channels';
import type { EventPayload, EventSink } from '../../../shared/ipc/contract';
import { KeyedChain } from '../keyed-chain';
import type { PeerNode } from '../peer-node';
import type { Store } from '../store/store';

/** Where events for the UIs go: every subscribed sink (the Electron window, `--ui` pages, `--json`). */
export class EventHub {
  private readonly sinks = new Set<EventSink>();

  subscribe(sink: EventSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  emit<E extends EventChannel>(event: E, payload: EventPayload<E>): void {
    for (const sink of this.sinks) sink(event, payload);
  }

  /** A background write failed: told to the person, since no request is waiting to carry the error. */
  raise(err: unknown): void {
    this.emit('error:raised', { code: 'internal', message: `Peerline could not update its store: ${(err as Error).message}` });
  }
}

/**
 * What happens to one session key (it connected, its chats were stored, its key changed, it left) is applied in
 * order, one step after another; other keys go on in parallel. A peer's leaving waits for its last chats.
 */
export class SessionSteps {
  readonly chain = new KeyedChain();
  /** Per session key, the newest chat still being stored. */
  private readonly lastReceive = new Map<string, Promise<void>>();

  /** Remembers `stored` as the key's newest chat being stored, until it settles. */
  receiving(key: string, stored: Promise<void>): void {
    this.lastReceive.set(key, stored);
    void stored
      .finally(() => {
        if (this.lastReceive.get(key) === stored) this.lastReceive.delete(key);
      })
      .catch(() => {});
  }

  /** The key's chats being stored now: taken when the peer leaves, so the leaving is told after them. */
  lastWords(key: string): Promise<void> | undefined {
    return this.lastReceive.get(key);
  }
}

export interface FeatureContext {
  readonly store: Store;
  readonly node: PeerNode;
  readonly events: EventHub;
  readonly steps: SessionSteps;
}
