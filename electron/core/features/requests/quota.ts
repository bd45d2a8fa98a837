/**
 * The rules of message requests (issue 13): what a peer the person has not accepted may store before the person
 * decides, per request and over all of them. Pure, so they are tested without sockets.
 */
import type { ContactRecord } from '../../store/types';

/** Messages and bytes one request may store (a plain-text request: one host, all its source ports together). */
export const REQUEST_MAX_MESSAGES = 20;
export const REQUEST_MAX_BYTES = 128 * 1024;
/** Messages and bytes all requests together may store: past it, no new request is stored until one is decided. */
export const REQUESTS_MAX_TOTAL_MESSAGES = 500;
export const REQUESTS_MAX_TOTAL_BYTES = 4 * 1024 * 1024;
/** A plain-text request (no key to find it again) is forgotten this long after its last message. */
export const PLAIN_REQUEST_TTL_MS = 24 * 60 * 60 * 1000;

export interface RequestQuota {
  maxMessages: number;
  maxBytes: number;
  maxTotalMessages: number;
  maxTotalBytes: number;
  plainTtlMs: number;
}

export const DEFAULT_REQUEST_QUOTA: Readonly<RequestQuota> = Object.freeze({
  maxMessages: REQUEST_MAX_MESSAGES,
  maxBytes: REQUEST_MAX_BYTES,
  maxTotalMessages: REQUESTS_MAX_TOTAL_MESSAGES,
  maxTotalBytes: REQUESTS_MAX_TOTAL_BYTES,
  plainTtlMs: PLAIN_REQUEST_TTL_MS,
});

export type RequestCount = NonNullable<ContactRecord['request']>;

/** The host of a plain-text peer's id (`plain:HOST:PORT`), which its requests share; null for a secure contact. */
export function plainHost(contact: Pick<ContactRecord, 'id' | 'mode'>): string | null {
  if (contact.mode !== 'plain') return null;
  const rest = contact.id.slice('plain:'.length);
  return rest.slice(0, rest.lastIndexOf(':'));
}

/**
 * Whether a request may store one more message of `bytes`: `own` is what its group (the contact, or for plain
 * text every request from its host) stored, `total` what every request stored.
 */
export function admits(own: { messages: number; bytes: number }, total: { messages: number; bytes: number }, bytes: number, quota: RequestQuota): boolean {
  return (
    own.messages + 1 <= quota.maxMessages &&
    own.bytes + bytes <= quota.maxBytes &&
    total.messages + 1 <= quota.maxTotalMessages &&
    total.bytes + bytes <= quota.maxTotalBytes
  );
}

/** Sums the stored counts of `requests`. */
export function sum(requests: Iterable<ContactRecord>): { messages: number; bytes: number } {
  let messages = 0;
  let bytes = 0;
  for (const { request } of requests) {
    if (request) {
      messages += request.messages;
      bytes += request.bytes;
    }
  }
  return { messages, bytes };
}

/** Plain-text requests whose last message is older than the quota's time to live. */
export function expiredPlainRequests(contacts: Iterable<ContactRecord>, now: number, quota: RequestQuota): ContactRecord[] {
  return [...contacts].filter((c) => c.mode === 'plain' && c.request !== undefined && now - c.request.lastAt > quota.plainTtlMs);
}
