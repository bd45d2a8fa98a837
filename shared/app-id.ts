/**
 * The application's identity towards the operating system, in one place: electron-builder.yml's `appId` (the
 * macOS bundle id, and the AppUserModelID electron-builder's NSIS installer gives the Windows shortcuts) must
 * equal what the main process passes to `app.setAppUserModelId` on Windows, or notifications and taskbar
 * grouping attach to a different "app" than the installed shortcut. tests/main/packaging-config.test.ts holds
 * electron-builder.yml to this value.
 */
export const APP_ID = 'app.peerline.desktop';
