/**
 * What a Peerline tells the local network about itself: a short key fingerprint, its TCP port, and an id made
 * anew at each start. Never the person's name or the host's name. What others announce is parsed strictly
 * here; anything that does not fit is dropped.
 */
import { randomBytes } from 'node:crypto';
import { ANNOUNCEMENT_VERSION } from './limits';

export interface Announcement {
  /** The key's fingerprint as people read it, `ABCD EFGH IJKL MNOP`. */
  fingerprint: string;
  port: number;
  /** 16 hex digits, new at each start: the DNS-SD instance name, so two runs on one host do not collide. */
  instance: string;
}

/** An announcement and the address its datagram came from (never an address from its payload). */
export interface Heard {
  announcement: Announcement;
  source: string;
}

/** The TXT record: `v` (format), `fp` (fingerprint without spaces), `id` (instance). */
export type AnnouncementTxt = { v: string; fp: string; id: string };

const FINGERPRINT_CHARS = /^[A-Z2-7]{16}$/;
const INSTANCE = /^[0-9a-f]{16}$/;
const FINGERPRINT_GROUP = 4;

export function newInstanceId(): string {
  return randomBytes(8).toString('hex');
}

export function announcementTxt(announcement: Announcement): AnnouncementTxt {
  return { v: ANNOUNCEMENT_VERSION, fp: announcement.fingerprint.replaceAll(' ', ''), id: announcement.instance };
}

/**
 * An announcement from a TXT record and a port, or null when anything is off: another version, a fingerprint or
 * id of the wrong shape, a port out of range, fields that are not strings (a TXT value may arrive as bytes).
 */
export function parseAnnouncement(txt: unknown, port: unknown): Announcement | null {
  if (typeof txt !== 'object' || txt === null) return null;
  const field = (name: keyof AnnouncementTxt): string | null => {
    const value = Object.hasOwn(txt, name) ? (txt as Record<string, unknown>)[name] : undefined;
    return typeof value === 'string' ? value : null;
  };
  const [v, fp, id] = [field('v'), field('fp'), field('id')];
  if (v !== ANNOUNCEMENT_VERSION || fp === null || !FINGERPRINT_CHARS.test(fp) || id === null || !INSTANCE.test(id)) return null;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  const groups = fp.match(new RegExp(`.{${FINGERPRINT_GROUP}}`, 'g'))!;
  return { fingerprint: groups.join(' '), port, instance: id };
}
