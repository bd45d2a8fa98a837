/**
 * What the durable store keeps, and the shape `AppService` reaches it through. The store lives in the data
 * directory on classic-level (LevelDB). Every promise that reports a state the person sees ("queued",
 * "received", "delivered") resolves only after that write is synced to disk.
 */
import type { MessageKind, MessageStatus, NotificationContent } from '../../../shared/ipc/contract';
import type { ConnectionMode } from '../connection';
import type { ContactId, ConversationId, SessionKey } from '../../../shared/ids';

export interface KeyRecord {
  /** ed25519 public key, hex: the session key the contact proves. */
  key: SessionKey;
  /** When this key was pinned, ms since the epoch. */
  since: number;
}

/** Who a person is. What we talk about with them is in their direct conversation (ConversationRecord). */
export interface ContactRecord {
  /**
   * Secure contacts: the public key pinned first, in hex; it stays the contact's id after an approved key change.
   * Plain-text peers: `plain:HOST:PORT`. Also the id of the direct conversation with the contact.
   */
  id: ContactId;
  mode: ConnectionMode;
  /** Secure contacts: the public key pinned now, hex. Equal to `id` until the key changes. */
  key?: SessionKey;
  /** The name the peer gives itself (its hello), or for a plain peer its address. */
  peerName: string;
  /** The name the person gave this contact. */
  localName?: string;
  /** Where to dial the contact, `host:port`, most recent first. */
  addresses: string[];
  firstSeen: number;
  verified: boolean;
  /** Every key pinned for this contact, oldest first; the last is `key`. */
  keyHistory: KeyRecord[];
  /** The warning shown in the conversation since the key last changed. */
  keyChange?: { at: number; previousKey: SessionKey; key: SessionKey; needsApproval: boolean };
  /**
   * Our messages stored at or before this time (ms) wait until the person sends them to the new key: they were
   * written for the key pinned before a change, and another key answered at the contact's address.
   */
  heldUntil?: number;
  /**
   * A message request: a peer the person has not accepted (nor dialed), with what of it is stored, counted
   * against the request quota (features/requests). Absent: accepted, as every contact from before requests is.
   */
  request?: { messages: number; bytes: number; lastAt: number };
  /** The person blocked this peer: it is refused, and its record is kept only so that it stays refused. */
  blocked?: true;
  /** File offers from this contact of at most this many bytes are accepted without asking (features/files). */
  autoAcceptBytes?: number;
}

/** 'direct': one contact, whose id is the conversation's; 'group' (later): several, id `group:<hex>`. */
export type ConversationKind = 'direct' | 'group';

/** A conversation and its state that must survive restarts. */
export interface ConversationRecord {
  id: ConversationId;
  kind: ConversationKind;
  /** The contacts in it besides us; a direct conversation has exactly one. */
  members: ContactId[];
  unread: number;
  lastMessage?: { text: string; at: number; fromMe: boolean };
  /** For ordering the list: the newest message's `at`, or when the conversation began. */
  lastActivity: number;
  /** A read receipt a member has not had yet (we read while it was away): the newest incoming id read. */
  readReceiptOwed?: string;
}

export interface StoredMessage {
  id: string;
  conversation: ConversationId;
  fromMe: boolean;
  text: string;
  /** When sent (ours) or received (theirs), ms since the epoch. */
  at: number;
  /** The sender's clock. */
  sentAt: number;
  kind: MessageKind;
  /** Ours only. */
  status?: MessageStatus;
  failure?: string;
  /** Theirs only: it came from a new key of the contact that awaited the person's approval. */
  unapprovedKey?: true;
}

export interface StoredSettings {
  displayName?: string;
  port?: number;
  allowPlain?: boolean;
  readReceipts?: boolean;
  reachableByKey?: boolean;
  nearbyVisible?: boolean;
  nearbyLook?: boolean;
  probeAddresses?: string[];
  notifications?: NotificationContent;
  closeToTray?: boolean;
  startAtLogin?: boolean;
  downloadDir?: string;
  dhtRelay?: string;
}

export interface MessagePage {
  /** Oldest first. */
  messages: StoredMessage[];
  hasMore: boolean;
  hasNewer: boolean;
}

export interface PageRequest {
  before?: string;
  after?: string;
  around?: string;
  limit: number;
}

export interface SearchHit {
  conversation: ConversationId;
  message: StoredMessage;
}
