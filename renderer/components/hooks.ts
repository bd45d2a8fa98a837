import { useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import { useActions } from './context';

/** One clock for every time label: subscribers are told when the minute may have changed. */
const minuteListeners = new Set<() => void>();
let minuteNow = Date.now();
let minuteTimer: ReturnType<typeof setInterval> | null = null;

function subscribeMinute(listener: () => void): () => void {
  minuteListeners.add(listener);
  if (minuteTimer === null) minuteNow = Date.now();
  minuteTimer ??= setInterval(() => {
    minuteNow = Date.now();
    for (const notify of minuteListeners) notify();
  }, 30_000);
  return () => {
    minuteListeners.delete(listener);
    if (minuteListeners.size === 0 && minuteTimer !== null) {
      clearInterval(minuteTimer);
      minuteTimer = null;
    }
  };
}

/** The current time, refreshed twice a minute (for "Today" / "Yesterday" labels that age). */
export function useNow(): number {
  return useSyncExternalStore(subscribeMinute, () => minuteNow);
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
  const actions = useActions();
  const current = useRef<string | null>(null);
  useEffect(
    () => () => {
      const attempt = current.current;
      current.current = null;
      if (attempt !== null) void actions.cancelConnect(attempt);
    },
    [actions],
  );
  return useMemo(
    () => ({
      async run<T>(connect: (attempt: string) => Promise<T>): Promise<T | null> {
        const attempt = actions.newAttemptId();
        current.current = attempt;
        const result = await connect(attempt);
        if (current.current !== attempt) return null;
        current.current = null;
        return result;
      },
      cancel(): boolean {
        const attempt = current.current;
        current.current = null;
        if (attempt !== null) void actions.cancelConnect(attempt);
        return attempt !== null;
      },
    }),
    [actions],
  );
}
