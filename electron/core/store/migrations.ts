/**
 * Migrations between store layouts (layout.ts). MIGRATIONS[v] turns a layout-v store into layout v+1; a later
 * layout adds one entry and bumps LAYOUT_VERSION. A migration may take several batches, but it must be safe to
 * run again from the start: a crash can stop it half-way, and the layout key is written only after it finished.
 *
 * 1 → 2: a contact and its conversation become two records. Layout 1 kept the conversation state (`unread`,
 * `lastMessage`, `lastActivity`, `readReceiptOwed`) in the contact record `K\0<peer>`, with the contact's id in a
 * field `peer`. Layout 2 keeps who the person is in `K\0<id>` (field `id`) and the conversation in
 * `C\0<id>`: a direct conversation whose id is the contact's, so the conversation numbers (`P`), messages,
 * outbox and search entries, all keyed by that id or its number, stay where they are. Each contact is rewritten
 * together with its new conversation record in one batch; a contact already in the layout-2 shape (no `peer`
 * field) was done by an earlier, interrupted run and is left alone.
 */
import { contactKey, conversationKey, idOfKey, LAYOUT_KEY, LAYOUT_VERSION, namespaceRange, type Db } from './layout';

export type Migration = (db: Db) => Promise<void>;

/** Contact records rewritten per batch by the 1 → 2 migration. */
const CONTACTS_PER_BATCH = 500;

/** The layout-1 contact record: who the person is and the state of the one conversation with them. */
interface ContactRecordV1 {
  peer: string;
  unread: number;
  lastMessage?: { text: string; at: number; fromMe: boolean };
  lastActivity: number;
  readReceiptOwed?: string;
  [field: string]: unknown;
}

function asV1(raw: string, peer: string): ContactRecordV1 | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null; // unreadable: the loader skips it, as layout 1 did
  }
  const c = value as Partial<ContactRecordV1> | null;
  return typeof c === 'object' && c !== null && c.peer === peer ? (c as ContactRecordV1) : null;
}

/** The two layout-2 records of a layout-1 contact. */
export function splitContactV1(v1: ContactRecordV1): { contact: Record<string, unknown>; conversation: Record<string, unknown> } {
  const { peer, unread, lastMessage, lastActivity, readReceiptOwed, ...identity } = v1;
  const conversation: Record<string, unknown> = {
    id: peer,
    kind: 'direct',
    members: [peer],
    unread: typeof unread === 'number' ? unread : 0,
    ...(lastMessage !== undefined && { lastMessage }),
    lastActivity: typeof lastActivity === 'number' ? lastActivity : 0,
    ...(readReceiptOwed !== undefined && { readReceiptOwed }),
  };
  return { contact: { id: peer, ...identity }, conversation };
}

async function splitContactsAndConversations(db: Db): Promise<void> {
  const range = namespaceRange('K');
  let from = range.gt;
  for (;;) {
    const entries = await db.iterator({ gt: from, lt: range.lt, limit: CONTACTS_PER_BATCH }).all();
    if (entries.length === 0) return;
    const batch = db.batch();
    for (const [key, raw] of entries) {
      const id = idOfKey(key);
      const v1 = asV1(raw, id);
      if (v1 === null) continue;
      const { contact, conversation } = splitContactV1(v1);
      batch.put(conversationKey(id), JSON.stringify(conversation));
      batch.put(contactKey(id), JSON.stringify(contact));
    }
    if (batch.length > 0) await batch.write({ sync: true });
    else await batch.close();
    from = entries[entries.length - 1][0];
  }
}

export const MIGRATIONS: Readonly<Record<number, Migration>> = {
  1: splitContactsAndConversations,
};

/** Runs the migrations from `from` up to `to`, writing the layout version (synced) after each. */
export async function migrate(db: Db, from: number, to: number = LAYOUT_VERSION, table: Readonly<Record<number, Migration>> = MIGRATIONS): Promise<void> {
  for (let version = from; version < to; version++) {
    const step = table[version];
    if (step === undefined) throw new Error(`no migration from store layout ${version} to ${version + 1}`);
    await step(db);
    await db.put(LAYOUT_KEY, String(version + 1), { sync: true });
  }
}
