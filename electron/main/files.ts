/**
 * The desktop app's part of file transfer, which needs Electron: the system's file chooser for `file:choose`, and
 * "Show in folder" through the shell for `file:show`. Nothing is ever opened: the file manager shows the file.
 */
import type { BrowserWindow, Dialog, Shell } from 'electron';
import type { ContractHandlers } from '../../shared/ipc/contract';

export function desktopFileHandlers(
  handlers: ContractHandlers,
  electron: { dialog: Pick<Dialog, 'showOpenDialog'>; shell: Pick<Shell, 'showItemInFolder'> },
  getWindow: () => BrowserWindow | null | undefined,
): Pick<ContractHandlers, 'file:choose' | 'file:show'> {
  return {
    'file:choose': async ({ peer }) => {
      const win = getWindow();
      const options = { title: 'Send files', properties: ['openFile', 'multiSelections'] as Array<'openFile' | 'multiSelections'> };
      const chosen = win ? await electron.dialog.showOpenDialog(win, options) : await electron.dialog.showOpenDialog(options);
      if (chosen.canceled) return [];
      const sent = [];
      for (const file of chosen.filePaths) sent.push(await handlers['file:send']({ peer, path: file }));
      return sent;
    },
    'file:show': async (request) => {
      const place = await handlers['file:show'](request);
      electron.shell.showItemInFolder(place.path);
      return place;
    },
  };
}
