/**
 * The contacts table (`K\0<contact id>`): who each person is. Every record is kept in memory, frozen, and
 * replaced (never edited) on every change, so a record in hand stays as it was read: they are read several times
 * for every message, and copying them was a fifth of the sending end's time.
 */
import type { Batch } from './group-commit';
import { contactKey } from './layout';
import type { ContactRecord } from './types';
import { sessionKey, type ContactId, type SessionKey } from '../../../shared/ids';

/** Freezes a plain record and everything in it, so that a caller's edit of a record it was handed throws. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function secureKeyOf(record: ContactRecord): SessionKey | undefined {
  // Before any key change the key pinned is the one the contact's id was made from.
  return record.mode === 'secure' ? (record.key ?? sessionKey(record.id)) : undefined;
}

export class ContactsTable {
  private readonly byId = new Map<ContactId, ContactRecord>();
  private readonly idByKey = new Map<SessionKey, ContactId>();

  constructor(records: Iterable<ContactRecord>) {
    for (const record of records) this.remember(record);
  }

  get(id: ContactId): ContactRecord | undefined {
    return this.byId.get(id);
  }

  /** A secure contact by the key it uses now (`key`, or `id` before any key change). */
  byKey(key: SessionKey): ContactRecord | undefined {
    const id = this.idByKey.get(key);
    return id === undefined ? undefined : this.byId.get(id);
  }

  all(): IterableIterator<ContactRecord> {
    return this.byId.values();
  }

  /** Replaces the contact in memory and in `batch` (the record must not be shared with callers). */
  put(batch: Batch, record: ContactRecord): void {
    this.forget(record.id);
    this.remember(record);
    batch.setLatest(contactKey(record.id), record);
  }

  delete(batch: Batch, id: ContactId): void {
    this.forget(id);
    batch.setLatest(contactKey(id), null);
  }

  private remember(record: ContactRecord): void {
    this.byId.set(record.id, deepFreeze(record));
    const key = secureKeyOf(record);
    if (key !== undefined) this.idByKey.set(key, record.id);
  }

  private forget(id: ContactId): void {
    const record = this.byId.get(id);
    if (record === undefined) return;
    this.byId.delete(id);
    const key = secureKeyOf(record);
    if (key !== undefined && this.idByKey.get(key) === id) this.idByKey.delete(key);
  }
}
