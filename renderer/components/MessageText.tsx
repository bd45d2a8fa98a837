import { memo, useMemo } from 'react';
import { splitLinks } from '../lib/links';
import { useStore } from '../state/store';

/**
 * Message text, rendered as text (React text nodes, never HTML). Parsed http(s) URLs become links that open
 * only after the person confirms; a middle click or a modified click does nothing on its own.
 */
export const MessageText = memo(function MessageText({ text }: { text: string }) {
  const openDialog = useStore((s) => s.openDialog);
  const parts = useMemo(() => splitLinks(text), [text]);
  return (
    <span className="msg-text">
      {parts.map((part, index) =>
        part.kind === 'text' ? (
          part.text
        ) : (
          <a
            key={index}
            href={part.href}
            className="msg-link"
            rel="noopener noreferrer"
            onClick={(event) => {
              event.preventDefault();
              openDialog({ kind: 'open-link', href: part.href });
            }}
            onAuxClick={(event) => event.preventDefault()}
            onDragStart={(event) => event.preventDefault()}
          >
            {part.text}
          </a>
        ),
      )}
    </span>
  );
});
