import type { ThemePreference } from '../state/types';

const THEME_KEY = 'peerline.theme';

/** The theme chosen on this device ("system" follows the OS through prefers-color-scheme). */
export function readThemePreference(): ThemePreference {
  try {
    const stored = localStorage.getItem(THEME_KEY);
    if (stored === 'light' || stored === 'dark' || stored === 'system') return stored;
  } catch {
    // storage unavailable: follow the system
  }
  return 'system';
}

export function applyThemePreference(theme: ThemePreference): void {
  const root = document.documentElement;
  if (theme === 'system') root.removeAttribute('data-theme');
  else root.setAttribute('data-theme', theme);
  try {
    localStorage.setItem(THEME_KEY, theme);
  } catch {
    // not remembered; still applied
  }
}
