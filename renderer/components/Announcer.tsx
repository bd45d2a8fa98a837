import { useEffect, useState } from 'react';
import { announcementsBetween, summarize, type Announcement } from '../state/announcements';
import { getAppStore } from '../state/store';

/** Quiet this long after the last change before a batch is said… */
const QUIET_MS = 600;
/** …but a steady stream is still said at least this often. */
const MAX_WAIT_MS = 2_000;

/**
 * A polite live region (visually hidden) that tells screen-reader users what came in to the open conversation
 * and who came online or went offline, a burst at a time (see `summarize`). Its text stays until the next one.
 */
export function Announcer() {
  const [said, setSaid] = useState({ text: '', n: 0 });

  useEffect(() => {
    let batch: Announcement[] = [];
    let quiet: ReturnType<typeof setTimeout> | undefined;
    let deadline: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      clearTimeout(quiet);
      clearTimeout(deadline);
      deadline = undefined;
      const text = summarize(batch);
      batch = [];
      if (text !== '') setSaid((previous) => ({ text, n: previous.n + 1 }));
    };
    const unsubscribe = getAppStore().subscribe((after, before) => {
      const found = announcementsBetween(before, after);
      if (found.length === 0) return;
      batch.push(...found);
      clearTimeout(quiet);
      quiet = setTimeout(flush, QUIET_MS);
      deadline ??= setTimeout(flush, MAX_WAIT_MS);
    });
    return () => {
      unsubscribe();
      clearTimeout(quiet);
      clearTimeout(deadline);
    };
  }, []);

  // The same sentence twice in a row is still a new announcement: keyed, the text node is replaced.
  return (
    <div className="sr-only" role="status" aria-live="polite" aria-atomic="true" data-testid="announcer">
      <span key={said.n}>{said.text}</span>
    </div>
  );
}
