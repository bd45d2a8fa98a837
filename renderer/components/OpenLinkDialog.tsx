import { useId } from 'react';
import { describeLink } from '../lib/links';
import { useStore } from '../state/store';
import { Modal } from './Modal';

/**
 * Asks before a link from a message opens. Only http(s) links get here; the whole address is shown, with the
 * host that will be contacted spelled out (user names in front of a host are called out).
 */
export function OpenLinkDialog({ href }: { href: string }) {
  const closeDialog = useStore((s) => s.closeDialog);
  const titleId = useId();
  const descriptionId = useId();
  const link = describeLink(href);

  function open() {
    closeDialog();
    if (link === null) return;
    // In Electron, main's setWindowOpenHandler hands this to the system browser (shell.openExternal).
    window.open(link.href, '_blank', 'noopener,noreferrer');
  }

  return (
    <Modal labelledBy={titleId} describedBy={descriptionId} onCancel={closeDialog} className="link-dialog">
      <h2 id={titleId} className="modal-title">
        Open this link?
      </h2>
      {link === null ? (
        <p id={descriptionId}>This is not a web address Peerline can open.</p>
      ) : (
        <div id={descriptionId}>
          <p>
            It opens <strong className="mono">{link.host}</strong> in your web browser.
            {!link.secure && ' The connection to that site is not encrypted (http).'}
          </p>
          {link.hasCredentials && (
            <p className="form-error">
              Careful: this link puts a user name before the site’s address. The site is <strong className="mono">{link.host}</strong>.
            </p>
          )}
          <p className="link-full mono">{link.href}</p>
        </div>
      )}
      <div className="modal-actions">
        <button type="button" className="btn" onClick={closeDialog} autoFocus>
          Cancel
        </button>
        {link !== null && (
          <button type="button" className="btn primary" onClick={open}>
            Open link
          </button>
        )}
      </div>
    </Modal>
  );
}
