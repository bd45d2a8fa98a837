import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useStore } from '../state/store';

/**
 * A clock shared by every component that shows a time: one timer for all of them, running only while any is
 * subscribed, telling them each `ms` that the time may have changed.
 */
function createTicker(ms: number) {
  const listeners = new Set<() => void>();
  // Whole steps of `ms`, so that the time holds still between ticks (a snapshot must not change by itself).
  const current = () => Math.floor(Date.now() / ms) * ms;
  let now = current();
  let timer: ReturnType<typeof setInterval> | null = null;
  return {
    subscribe(listener: () => void): () => void {
      listeners.add(listener);
      if (timer === null) now = current();
      timer ??= setInterval(() => {
        now = current();
        for (const notify of listeners) notify();
      }, ms);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && timer !== null) {
          clearInterval(timer);
          timer = null;
        }
      };
    },
    /** The time of the last tick; while nothing is subscribed, now. */
    now: () => (timer === null ? current() : now),
  };
}

const minutes = createTicker(30_000);
const seconds = createTicker(1_000);
const subscribeNever = () => () => {};

/** The current time, refreshed twice a minute (for "Today" / "Yesterday" labels that age). */
export function useNow(): number {
  return useSyncExternalStore(minutes.subscribe, minutes.now);
}

/** The current time, refreshed every second while `active` (a "retrying in 12 s" countdown); 0 when not. */
export function useSecondNow(active: boolean): number {
  return useSyncExternalStore(active ? seconds.subscribe : subscribeNever, active ? seconds.now : () => 0);
}

function subscribeVisibility(callback: () => void): () => void {
  document.addEventListener('visibilitychange', callback);
  window.addEventListener('focus', callback);
  window.addEventListener('blur', callback);
  return () => {
    document.removeEventListener('visibilitychange', callback);
    window.removeEventListener('focus', callback);
    window.removeEventListener('blur', callback);
  };
}

/** The page is on screen (not a hidden tab or a minimised window). */
export function usePageVisible(): boolean {
  return useSyncExternalStore(subscribeVisibility, () => document.visibilityState === 'visible');
}

/**
 * The one connect attempt a component has in flight. `run` starts it and resolves null when the attempt was
 * cancelled meanwhile (or the component went away, which cancels it too); `cancel` stops it and says whether
 * there was one.
 */
export function useConnectAttempt() {
  const newAttemptId = useStore((s) => s.newAttemptId);
  const cancelConnect = useStore((s) => s.cancelConnect);
  const current = useRef<string | null>(null);
  useEffect(
    () => () => {
      const attempt = current.current;
      current.current = null;
      if (attempt !== null) void cancelConnect(attempt);
    },
    [cancelConnect],
  );
  return useMemo(
    () => ({
      async run<T>(connect: (attempt: string) => Promise<T>): Promise<T | null> {
        const attempt = newAttemptId();
        current.current = attempt;
        const result = await connect(attempt);
        if (current.current !== attempt) return null;
        current.current = null;
        return result;
      },
      cancel(): boolean {
        const attempt = current.current;
        current.current = null;
        if (attempt !== null) void cancelConnect(attempt);
        return attempt !== null;
      },
    }),
    [cancelConnect, newAttemptId],
  );
}

/**
 * A decision about a peer made with a button (approve a key, accept a request, connect to one nearby): busy while
 * the backend answers, and its refusal kept as a sentence to show.
 */
export function usePeerAction<Peer = string>(peer: Peer) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function settle(action: (peer: Peer) => Promise<{ ok: boolean; error?: { message: string } }>) {
    setBusy(true);
    setError(null);
    const result = await action(peer);
    setBusy(false);
    if (!result.ok) setError(result.error!.message);
  }
  return { busy, error, settle };
}
