import { INVOKE_CHANNELS, type EventChannel, type InvokeChannel } from './channels';
import type { EventPayload, RequestOf, ResponseOf } from './contract';
import type { Result } from './result';

/** How the renderer reaches the backend: Electron IPC through the preload, or a WebSocket for `peerline --ui`. */
export interface Transport {
  invoke(channel: InvokeChannel, request: unknown): Promise<Result<unknown>>;
  /** Calls `listener` for every event; returns the unsubscribe function. */
  subscribe(listener: (event: EventChannel, payload: unknown) => void): () => void;
}

type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;
type AreaOf<C extends string> = C extends `${infer Area}:${string}` ? Area : never;
type Method<C extends InvokeChannel> = {} extends RequestOf<C>
  ? (request?: RequestOf<C>) => Promise<Result<ResponseOf<C>>>
  : (request: RequestOf<C>) => Promise<Result<ResponseOf<C>>>;

/** `api.peer.connect({ host, port, mode })`: one method per channel, named after its area and verb. */
export type Api = {
  [A in AreaOf<InvokeChannel>]: { [C in InvokeChannel as C extends `${A}:${infer Verb}` ? CamelCase<Verb> : never]: Method<C> };
} & {
  on<E extends EventChannel>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
};

const camelCase = (verb: string) => verb.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

export function createApi(transport: Transport): Api {
  const api: Record<string, Record<string, (request?: unknown) => Promise<Result<unknown>>>> = {};
  for (const channel of INVOKE_CHANNELS) {
    const [area, verb] = channel.split(':') as [string, string];
    (api[area] ??= {})[camelCase(verb)] = (request?: unknown) => transport.invoke(channel, request ?? {});
  }
  const on = <E extends EventChannel>(event: E, listener: (payload: EventPayload<E>) => void) =>
    transport.subscribe((name, payload) => {
      if (name === event) listener(payload as EventPayload<E>);
    });
  return Object.assign(api, { on }) as unknown as Api;
}
