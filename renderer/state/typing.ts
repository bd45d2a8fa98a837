/**
 * When to tell the peer that we are typing: `active: true` when the composer becomes non-empty, again at most
 * every `refreshMs` while typing goes on (so the peer's indicator, which times out, stays), and `active: false`
 * when the text is sent or cleared, or after `idleMs` without a keystroke.
 */
export interface TypingNotifierOptions {
  send(active: boolean): void;
  now?: () => number;
  setTimeout?: (callback: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  refreshMs?: number;
  idleMs?: number;
}

export interface TypingNotifier {
  /** The composer's text changed. */
  input(text: string): void;
  /** The message was sent, the conversation left, or the composer went away. */
  stop(): void;
}

export const TYPING_REFRESH_MS = 3_000;
export const TYPING_IDLE_MS = 6_000;

export function createTypingNotifier(options: TypingNotifierOptions): TypingNotifier {
  const now = options.now ?? Date.now;
  const setTimer = options.setTimeout ?? ((callback, ms) => globalThis.setTimeout(callback, ms));
  const clearTimer = options.clearTimeout ?? ((handle) => globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]));
  const refreshMs = options.refreshMs ?? TYPING_REFRESH_MS;
  const idleMs = options.idleMs ?? TYPING_IDLE_MS;

  let active = false;
  let lastSentAt = 0;
  let idleTimer: unknown = null;

  function clearIdle(): void {
    if (idleTimer !== null) clearTimer(idleTimer);
    idleTimer = null;
  }

  function stop(): void {
    clearIdle();
    if (!active) return;
    active = false;
    options.send(false);
  }

  return {
    input(text) {
      if (text.trim() === '') {
        stop();
        return;
      }
      const time = now();
      if (!active || time - lastSentAt >= refreshMs) {
        active = true;
        lastSentAt = time;
        options.send(true);
      }
      clearIdle();
      idleTimer = setTimer(stop, idleMs);
    },
    stop,
  };
}
