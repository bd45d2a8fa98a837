import { useSyncExternalStore } from 'react';

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
