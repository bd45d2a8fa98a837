import QRCode from 'qrcode';
import { useEffect, useState } from 'react';

/** The invite link as a QR code, drawn here in the window (an SVG as an image; nothing leaves the machine). */
export function InviteQr({ link }: { link: string }) {
  const [source, setSource] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    void QRCode.toString(link, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }).then(
      (svg) => current && setSource(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`),
      () => current && setSource(null),
    );
    return () => {
      current = false;
    };
  }, [link]);
  if (source === null) return null;
  return <img className="invite-qr" src={source} width={160} height={160} alt="QR code of your invite link" />;
}
