/**
 * Identifiers that are all strings on the wire and on disk but must not be mixed up in code: each is a distinct
 * branded type, so passing a contact id where a conversation id is expected is a compile error. Pure TypeScript.
 *
 * - ContactId: who a person is. A secure contact's id is the public key pinned first (hex); a plain-text
 *   peer's is `plain:HOST:PORT`.
 * - ConversationId: where messages go. A direct (1:1) conversation's id is its contact's id, so the contract's
 *   `peer` field names both; a group's will be `group:<hex>`.
 */
export type ContactId = string & { readonly __brand: 'ContactId' };
/**
 * SessionKey: who is at the other end of one session: the remote public key (hex) it proved, or
 * `plain:HOST:PORT` for a plain-text socket. A contact's session key differs from its id after a key change.
 */
export type SessionKey = string & { readonly __brand: 'SessionKey' };
export type ConversationId = string & { readonly __brand: 'ConversationId' };

/** `value` as a contact id: for ids that come from the contract, a session or the store. */
export function contactId(value: string): ContactId {
  return value as ContactId;
}

/** `value` as a conversation id: for ids that come from the contract (`peer`) or the store. */
export function conversationId(value: string): ConversationId {
  return value as ConversationId;
}

/** `value` as a session key: a key a session proved (hex), a contact's pinned key, or `plain:HOST:PORT`. */
export function sessionKey(value: string): SessionKey {
  return value as SessionKey;
}

/** The id of the direct conversation with `contact`: the contact's own id. */
export function directConversationId(contact: ContactId): ConversationId {
  return (contact as string) as ConversationId;
}
