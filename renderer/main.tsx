/**
 * Startup: the store, the transport (Electron preload or the WebSocket of `peerline --ui`), the event wiring
 * (once), the first load, then React.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connectBackend } from './api';
import { App, NoToken } from './components/App';
import { reportViewing, showWebNotification } from './lib/attention';
import { applyThemePreference, readThemePreference } from './lib/theme';
import { connectEvents } from './state/events';
import { createAppStore, initAppStore } from './state/store';

const rootElement = document.getElementById('root');
if (rootElement === null) throw new Error('index.html has no #root');
const root = createRoot(rootElement);

const theme = readThemePreference();
applyThemePreference(theme);
const backend = connectBackend();
if (backend.kind === 'no-token') {
  root.render(
    <StrictMode>
      <NoToken />
    </StrictMode>,
  );
} else {
  const store = initAppStore(createAppStore({ api: backend.api, link: backend.link, theme, desktop: backend.desktop, upload: backend.upload }));
  store.subscribe((state, previous) => {
    if (state.theme !== previous.theme) applyThemePreference(state.theme);
  });
  connectEvents(backend.api, backend.link, store, {
    onLinkRestored: () => void store.getState().refresh(),
    notify: backend.desktop ? undefined : (notice) => showWebNotification(store, notice),
  });
  reportViewing(backend.api, store);
  void store.getState().loadInitial();
  root.render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
