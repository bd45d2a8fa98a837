/**
 * Reading announcements out of mDNS packets (as multicast-dns decodes them), strictly: only our service type,
 * only a PTR with its SRV and TXT, every field checked by parseAnnouncement.
 */
import { parseAnnouncement, type Announcement } from './announcement';
import { SERVICE_TYPE } from './limits';

export const SERVICE_NAME = `_${SERVICE_TYPE}._tcp.local`;

/** The parts of a decoded record we read; everything else about it is ignored. */
export interface MdnsRecord {
  name?: unknown;
  type?: unknown;
  ttl?: unknown;
  data?: unknown;
}

export interface MdnsPacket {
  answers?: unknown;
  additionals?: unknown;
}

const sameName = (a: unknown, b: string) => typeof a === 'string' && a.toLowerCase() === b.toLowerCase();

function recordsOf(packet: MdnsPacket): MdnsRecord[] {
  const list = (value: unknown) => (Array.isArray(value) ? (value as unknown[]) : []);
  return [...list(packet.answers), ...list(packet.additionals)].filter((r): r is MdnsRecord => typeof r === 'object' && r !== null);
}

/** A TXT record's strings (`key=value`, as bytes) as an object; later duplicates do not override the first. */
export function txtFields(data: unknown): Record<string, string> {
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  const parts = Array.isArray(data) ? data : [data];
  for (const part of parts) {
    if (!(part instanceof Uint8Array) && typeof part !== 'string') continue;
    const text = typeof part === 'string' ? part : Buffer.from(part).toString('utf8');
    const equals = text.indexOf('=');
    if (equals <= 0) continue;
    const key = text.slice(0, equals);
    if (!(key in fields)) fields[key] = text.slice(equals + 1);
  }
  return fields;
}

/** Every valid announcement of our service type in one decoded mDNS response. */
export function announcementsIn(packet: MdnsPacket): Announcement[] {
  const records = recordsOf(packet);
  const found: Announcement[] = [];
  for (const ptr of records) {
    if (ptr.type !== 'PTR' || !sameName(ptr.name, SERVICE_NAME) || typeof ptr.data !== 'string' || ptr.ttl === 0) continue;
    const instance = ptr.data;
    const srv = records.find((r) => r.type === 'SRV' && sameName(r.name, instance));
    const txt = records.find((r) => r.type === 'TXT' && sameName(r.name, instance));
    if (!srv || !txt || typeof srv.data !== 'object' || srv.data === null) continue;
    const announcement = parseAnnouncement(txtFields(txt.data), (srv.data as { port?: unknown }).port);
    if (announcement) found.push(announcement);
  }
  return found;
}
