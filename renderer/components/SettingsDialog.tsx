import { useId, useRef, useState, type FormEvent } from 'react';
import type { NotificationContent, RequestOf } from '../../shared/ipc/contract';
import { webNotificationPermission } from '../lib/attention';
import { nameProblem, portProblem, relayProblem } from '../lib/validation';
import { useStore } from '../state/store';
import type { ThemePreference } from '../state/types';
import { Modal } from './Modal';
import { FormError } from './FormError';

/** The notification setting's choices, as Signal words them. */
const NOTIFICATION_CHOICES: Array<[NotificationContent, string]> = [
  ['name-and-message', 'Name and message'],
  ['name-only', 'Name only'],
  ['neither', 'No name or message'],
  ['off', 'Off'],
];

/** The probe list as typed: one host per line (or separated by commas or spaces), blanks dropped. */
function probeList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((host) => host.trim())
    .filter((host) => host !== '');
}

/**
 * Display name, listening port (rebinds the listener), plain-text peers, read receipts, reachable by key and the
 * DHT relay, nearby devices, notifications, the tray and start at login (desktop app), the folder for received
 * files, the colour theme, and what went wrong at start-up.
 */
export function SettingsDialog() {
  const saveSettings = useStore((s) => s.saveSettings);
  const closeDialog = useStore((s) => s.closeDialog);
  const settings = useStore((s) => s.settings);
  const node = useStore((s) => s.node);
  const theme = useStore((s) => s.theme);
  const setTheme = useStore((s) => s.setTheme);
  const titleId = useId();
  const nameId = useId();
  const nameErrorId = useId();
  const portId = useId();
  const portHintId = useId();
  const portErrorId = useId();
  const plainHintId = useId();
  const receiptsHintId = useId();
  const reachHintId = useId();
  const relayId = useId();
  const relayHintId = useId();
  const relayErrorId = useId();
  const relayRef = useRef<HTMLInputElement>(null);
  const noticesId = useId();
  const nameRef = useRef<HTMLInputElement>(null);
  const portRef = useRef<HTMLInputElement>(null);

  const [name, setName] = useState(settings?.displayName ?? '');
  const [port, setPort] = useState(String(settings?.port ?? ''));
  const [allowPlain, setAllowPlain] = useState(settings?.allowPlain ?? true);
  const [readReceipts, setReadReceipts] = useState(settings?.readReceipts ?? false);
  const [reachableByKey, setReachableByKey] = useState(settings?.reachableByKey ?? true);
  const [nearbyVisible, setNearbyVisible] = useState(settings?.nearbyVisible ?? true);
  const [nearbyLook, setNearbyLook] = useState(settings?.nearbyLook ?? true);
  const [probes, setProbes] = useState((settings?.probeAddresses ?? []).join('\n'));
  const [notifications, setNotifications] = useState<NotificationContent>(settings?.notifications ?? 'name-and-message');
  const [closeToTray, setCloseToTray] = useState(settings?.closeToTray ?? false);
  const [startAtLogin, setStartAtLogin] = useState(settings?.startAtLogin ?? false);
  const [downloadDir, setDownloadDir] = useState(settings?.downloadDir ?? '');
  const downloadDirId = useId();
  const downloadDirHintId = useId();
  const [permission, setPermission] = useState(webNotificationPermission);
  const desktop = useStore((s) => s.desktop);
  const probesId = useId();
  const probesHintId = useId();
  const nearbyHintId = useId();
  const notificationsHintId = useId();
  const [relay, setRelay] = useState(settings?.dhtRelay ?? '');
  const [submitted, setSubmitted] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const nameError = submitted ? nameProblem(name) : null;
  const portError = submitted ? portProblem(port) : null;
  const relayError = submitted ? relayProblem(relay) : null;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSubmitted(true);
    if (nameProblem(name) !== null) return nameRef.current?.focus();
    if (portProblem(port) !== null) return portRef.current?.focus();
    if (relayProblem(relay) !== null) return relayRef.current?.focus();
    const changes: RequestOf<'settings:set'> = {};
    if (settings === null || name.trim() !== settings.displayName) changes.displayName = name.trim();
    if (settings === null || Number(port) !== settings.port) changes.port = Number(port);
    if (settings === null || allowPlain !== settings.allowPlain) changes.allowPlain = allowPlain;
    if (settings === null || readReceipts !== settings.readReceipts) changes.readReceipts = readReceipts;
    if (settings === null || reachableByKey !== settings.reachableByKey) changes.reachableByKey = reachableByKey;
    if (settings === null || nearbyVisible !== settings.nearbyVisible) changes.nearbyVisible = nearbyVisible;
    if (settings === null || nearbyLook !== settings.nearbyLook) changes.nearbyLook = nearbyLook;
    const probeAddresses = probeList(probes);
    if (settings === null || probeAddresses.join('\n') !== settings.probeAddresses.join('\n')) changes.probeAddresses = probeAddresses;
    if (settings === null || notifications !== settings.notifications) changes.notifications = notifications;
    if (desktop && (settings === null || closeToTray !== settings.closeToTray)) changes.closeToTray = closeToTray;
    if (desktop && (settings === null || startAtLogin !== settings.startAtLogin)) changes.startAtLogin = startAtLogin;
    if (downloadDir.trim() !== '' && (settings === null || downloadDir.trim() !== settings.downloadDir)) changes.downloadDir = downloadDir.trim();
    if (settings === null || relay.trim().toLowerCase() !== settings.dhtRelay) changes.dhtRelay = relay.trim().toLowerCase();
    if (Object.keys(changes).length === 0) return closeDialog();
    setSaving(true);
    setError(null);
    const result = await saveSettings(changes);
    setSaving(false);
    if (result.ok) closeDialog();
    else setError(result.error.message);
  }

  const listening = node === null ? null : node.listening ? `Peerline is listening on port ${node.port}.` : 'Peerline is not listening right now.';

  return (
    <Modal labelledBy={titleId} onCancel={closeDialog} className="settings-dialog">
      <form onSubmit={submit} noValidate>
        <h2 id={titleId} className="modal-title">
          Settings
        </h2>

        <div className="field">
          <label htmlFor={nameId}>Display name</label>
          <input
            ref={nameRef}
            id={nameId}
            className="input"
            value={name}
            onChange={(event) => setName(event.target.value)}
            autoComplete="nickname"
            aria-invalid={nameError !== null}
            aria-describedby={nameError !== null ? nameErrorId : undefined}
          />
          {nameError !== null && (
            <p id={nameErrorId} className="field-error">
              {nameError}
            </p>
          )}
        </div>

        <div className="field">
          <label htmlFor={portId}>Listening port</label>
          <input
            ref={portRef}
            id={portId}
            className="input mono port-input"
            type="number"
            inputMode="numeric"
            min={0}
            max={65535}
            value={port}
            onChange={(event) => setPort(event.target.value)}
            aria-invalid={portError !== null}
            aria-describedby={[portHintId, portError !== null ? portErrorId : null].filter(Boolean).join(' ')}
          />
          <p id={portHintId} className="hint">
            {listening} Changing the port moves the listener; people dial the new one. 0 picks any free port.
          </p>
          {portError !== null && (
            <p id={portErrorId} className="field-error">
              {portError}
            </p>
          )}
        </div>

        <div className="field">
          <label className="check">
            <input type="checkbox" checked={allowPlain} onChange={(event) => setAllowPlain(event.target.checked)} aria-describedby={plainHintId} />
            <span>Allow plain-text peers</span>
          </label>
          <p id={plainHintId} className="hint">
            Programs like netcat can connect and chat without encryption. Their messages are marked unencrypted.
          </p>
        </div>

        <div className="field">
          <label className="check">
            <input type="checkbox" checked={readReceipts} onChange={(event) => setReadReceipts(event.target.checked)} aria-describedby={receiptsHintId} />
            <span>Send read receipts</span>
          </label>
          <p id={receiptsHintId} className="hint">
            People you chat with see when you have read their messages. Off: they see only that a message was delivered.
          </p>
        </div>

        <div className="field">
          <label className="check">
            <input type="checkbox" checked={reachableByKey} onChange={(event) => setReachableByKey(event.target.checked)} aria-describedby={reachHintId} />
            <span>Reachable over the internet by my key</span>
          </label>
          <p id={reachHintId} className="hint">
            Contacts anywhere can connect with your key or invite link, through NATs. Anyone who knows your key can learn your IP address.
          </p>
        </div>
        <fieldset className="field">
          <legend>Nearby devices</legend>
          <label className="check">
            <input type="checkbox" checked={nearbyVisible} onChange={(event) => setNearbyVisible(event.target.checked)} aria-describedby={nearbyHintId} />
            <span>Let nearby devices see me</span>
          </label>
          <label className="check">
            <input type="checkbox" checked={nearbyLook} onChange={(event) => setNearbyLook(event.target.checked)} aria-describedby={nearbyHintId} />
            <span>Look for nearby devices</span>
          </label>
          <p id={nearbyHintId} className="hint">
            Peerlines on this network tell each other a short fingerprint and a port, never your name. A device listed as nearby is checked by its key when you connect.
          </p>
          <label htmlFor={probesId}>Addresses to ask directly</label>
          <textarea
            id={probesId}
            className="input mono"
            rows={2}
            value={probes}
            onChange={(event) => setProbes(event.target.value)}
            aria-describedby={probesHintId}
            spellCheck={false}
          />
          <p id={probesHintId} className="hint">
            For networks that drop multicast: hosts (like 192.168.1.20), one a line, asked who is there.
          </p>
        </fieldset>

        <fieldset className="field">
          <legend>Notifications</legend>
          <div className="segmented">
            {NOTIFICATION_CHOICES.map(([value, label]) => (
              <label key={value} className="segment">
                <input type="radio" name="notifications" value={value} checked={notifications === value} onChange={() => setNotifications(value)} aria-describedby={notificationsHintId} />
                <span>{label}</span>
              </label>
            ))}
          </div>
          <p id={notificationsHintId} className="hint">
            What a notification of a new message shows. None comes for the conversation you are looking at.
          </p>
          {!desktop && permission === 'default' && (
            <button type="button" className="btn small" onClick={() => void Notification.requestPermission().then(setPermission)}>
              Allow notifications in this browser
            </button>
          )}
          {!desktop && permission === 'denied' && <p className="hint">This browser blocks notifications from this page; its site settings can allow them.</p>}
        </fieldset>

        <div className="field">
          <label htmlFor={downloadDirId}>Folder for received files</label>
          <input
            id={downloadDirId}
            className="input mono"
            value={downloadDir}
            onChange={(event) => setDownloadDir(event.target.value)}
            autoComplete="off"
            spellCheck={false}
            aria-describedby={downloadDirHintId}
          />
          <p id={downloadDirHintId} className="hint">
            The whole path of a folder; Peerline makes it if it is not there. Files already being received stay where they started.
          </p>
        </div>

        {desktop && (
          <fieldset className="field">
            <legend>Desktop</legend>
            <label className="check">
              <input type="checkbox" checked={closeToTray} onChange={(event) => setCloseToTray(event.target.checked)} />
              <span>Keep running in the tray when the window is closed</span>
            </label>
            <label className="check">
              <input type="checkbox" checked={startAtLogin} onChange={(event) => setStartAtLogin(event.target.checked)} />
              <span>Start Peerline when I log in</span>
            </label>
          </fieldset>
        )}

        <div className="field">
          <label htmlFor={relayId}>DHT relay (optional)</label>
          <input
            id={relayId}
            ref={relayRef}
            type="text"
            spellCheck={false}
            autoComplete="off"
            value={relay}
            onChange={(event) => setRelay(event.target.value)}
            aria-invalid={relayError !== null}
            aria-describedby={[relayHintId, relayError !== null ? relayErrorId : null].filter(Boolean).join(' ')}
          />
          <p id={relayHintId} className="hint">
            The key of a blind relay someone you trust runs. It carries a session when both sides are behind NATs no hole can be punched through; it sees that you talk, never what. There is none by default.
          </p>
          {relayError !== null && (
            <p id={relayErrorId} className="field-error">
              {relayError}
            </p>
          )}
        </div>

        <fieldset className="field theme-choice">
          <legend>Theme</legend>
          <div className="segmented">
            {(['system', 'light', 'dark'] as ThemePreference[]).map((option) => (
              <label key={option} className="segment">
                <input type="radio" name="theme" value={option} checked={theme === option} onChange={() => setTheme(option)} />
                <span>{option === 'system' ? 'System' : option === 'light' ? 'Light' : 'Dark'}</span>
              </label>
            ))}
          </div>
        </fieldset>

        {node !== null && node.notices.length > 0 && (
          <section className="field settings-notices" aria-labelledby={noticesId}>
            <h3 id={noticesId} className="section-title">
              When Peerline started
            </h3>
            <ul className="notices-list">
              {node.notices.map((notice) => (
                <li key={notice}>{notice}</li>
              ))}
            </ul>
          </section>
        )}

        <FormError error={error} />

        <div className="modal-actions">
          <button type="button" className="btn" onClick={closeDialog}>
            Cancel
          </button>
          <button type="submit" className="btn primary" disabled={saving}>
            {saving ? 'Saving…' : 'Save'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
