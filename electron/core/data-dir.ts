import os from 'node:os';
import path from 'node:path';

/** The folder Electron's `app.getPath('userData')` gives for "Peerline", so the CLI and the app share an identity. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Peerline');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Peerline');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Peerline');
}
