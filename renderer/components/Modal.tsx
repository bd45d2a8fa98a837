import { useEffect, useRef, type ReactNode } from 'react';
import { trapTab } from '../lib/focus-trap';

/**
 * A modal dialog on the native `<dialog>` element opened with `showModal()`: the page behind is inert, focus
 * moves inside and Tab keeps it there, Escape asks to cancel. It is named by its heading (`labelledBy`) and
 * focus returns to where it was when the dialog goes away.
 */
export function Modal({
  labelledBy,
  describedBy,
  onCancel,
  className,
  children,
}: {
  labelledBy: string;
  describedBy?: string;
  /** Escape or a click on the backdrop. */
  onCancel(): void;
  className?: string;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const onCancelRef = useRef(onCancel);
  onCancelRef.current = onCancel;

  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    return () => {
      const focusWasInside = dialog.contains(document.activeElement) || document.activeElement === document.body;
      if (dialog.open) dialog.close();
      // Give focus back, unless something else (the message box of a new conversation) has taken it already.
      if (focusWasInside && previous?.isConnected) previous.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      className={`modal ${className ?? ''}`}
      aria-modal="true"
      aria-labelledby={labelledBy}
      aria-describedby={describedBy}
      onCancel={(event) => {
        event.preventDefault();
        onCancelRef.current();
      }}
      onKeyDown={trapTab}
      onMouseDown={(event) => {
        // The dialog element itself is hit only on the backdrop: its content fills it.
        if (event.target === event.currentTarget) onCancelRef.current();
      }}
    >
      <div className="modal-body">{children}</div>
    </dialog>
  );
}
