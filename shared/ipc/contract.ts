/**
 * The IPC contract: every invoke channel (`area:verb`) with its request and response schema, and every event
 * (`area:past-tense`) with its payload schema, declared once. Handlers, the preload, the WebSocket transport
 * and the renderer's client are typed from this map, so a channel without a handler does not compile. Every
 * request is validated with these schemas before it reaches `AppService`.
 */
import { z } from 'zod';
import { MESSAGE_EMPTY, MESSAGE_TOO_LONG, messageProblem, NAME_EMPTY, NAME_TOO_LONG, nameProblem } from '../validation';
import type { EventChannel, InvokeChannel } from './channels';
import { ERROR_CODES } from './result';
import { parsePeerAddress } from '../address';
import { MAX_INVITE_LINK_CHARS } from '../invite-link';
import { SESSION_PATHS, type SessionPath } from '../session-path';
import { MAX_PROBE_ADDRESSES } from '../protocol/limits';

const PeerKey = z.string().min(1).max(300);
const MessageId = z.string().regex(/^[0-9a-f]{32}$/, 'a message id is 32 hex digits');
const ListenPort = z.number().int().min(0).max(65535);
const DialPort = z.number().int().min(1, 'Port must be a number from 1 to 65535.').max(65535, 'Port must be a number from 1 to 65535.');
const Mode = z.enum(['secure', 'plain']);
const Empty = z.object({}).strict();

const DisplayName = z
  .string()
  .trim()
  .min(1, NAME_EMPTY)
  .refine((name) => nameProblem(name) === null, NAME_TOO_LONG);
const MessageText = z
  .string()
  .min(1, MESSAGE_EMPTY)
  .refine((text) => messageProblem(text) === null, MESSAGE_TOO_LONG);

export const IdentitySchema = z.object({
  /** The public key in hex. */
  id: z.string(),
  fingerprint: z.string(),
  name: z.string(),
  /** False until the person has chosen a display name (the first-run screen). */
  nameChosen: z.boolean(),
});

export const NodeStatusSchema = z.object({
  listening: z.boolean(),
  host: z.string(),
  port: ListenPort,
  /** `host:port` addresses others can dial. */
  addresses: z.array(z.string()),
  allowPlain: z.boolean(),
  /** What went wrong while starting that the person should know (a damaged file set aside, say). */
  notices: z.array(z.string()),
});

/** How an online session's bytes travel (see shared/session-path.ts). */
export const SessionPathSchema = z.enum(SESSION_PATHS as [SessionPath, ...SessionPath[]]);

/** What "Check my connectivity" shows, and `peerline --json`'s `doctor` event. */
export const DoctorReportSchema = z.object({
  host: z.string(),
  port: ListenPort,
  /** `host:port` addresses others can dial on this network. */
  addresses: z.array(z.string()),
  /** "Reachable over the internet by my key" is on. */
  reachableByKey: z.boolean(),
  /** This peer's `peerline:` invite link: its key and its addresses. */
  link: z.string(),
  /** While reachable by key: what the DHT sees of us. */
  dht: z
    .object({
      announced: z.boolean(),
      /** Our address as the DHT's nodes see it, when they can reach us unasked; null behind a NAT or firewall. */
      publicAddress: z.string().nullable(),
      natType: z.enum(['open', 'consistent', 'random', 'unknown']),
      /** A sentence on what the NAT type means for being reached. */
      reachability: z.string(),
      bootstrap: z.array(z.string()),
      /** The blind relay's key (hex) for sessions no hole can be punched for; null: none is set. */
      relay: z.string().nullable(),
    })
    .nullable(),
});

/** A connected contact's answer to "can you reach me at X?". */
export const DialBackSchema = z.object({
  /** What was tried: our TCP address as the contact sees it, or our key over the DHT. */
  tried: z.string(),
  reachable: z.boolean(),
  /** Why not, in words (the contact's doctor sentence), when unreachable. */
  reason: z.string().optional(),
});

export const PeerStateSchema = z.enum(['connecting', 'online', 'offline']);

/** A contact's key differs from the one pinned on first use (trust on first use, DESIGN §4). */
export const KeyChangeSchema = z.object({
  /** When the new key was first seen. */
  at: z.number(),
  previousFingerprint: z.string(),
  fingerprint: z.string(),
  /**
   * The contact was verified: messages to it wait until the person approves the new key (`contact:approve-key`).
   * An unverified contact's new key is pinned at once, with the warning in the conversation.
   */
  needsApproval: z.boolean(),
});

export const ConversationSchema = z.object({
  peer: PeerKey,
  mode: Mode,
  /** The peer's display name; for plain-text peers, their address. */
  name: z.string(),
  /** Where to dial the peer again, `host:port`: for one that dialed us, its host and listening port. */
  address: z.string(),
  fingerprint: z.string().optional(),
  state: PeerStateSchema,
  /** Online only: how the session's bytes travel (direct TCP, over the DHT, hole-punched). */
  path: SessionPathSchema.optional(),
  unread: z.number().int().min(0),
  lastMessage: z.object({ text: z.string(), at: z.number(), fromMe: z.boolean() }).optional(),
  typing: z.boolean(),
  /** Why the peer went offline, when it did. */
  lastReason: z.string().optional(),
  /** Secure contacts only: the person compared safety numbers and marked the contact verified. */
  verified: z.boolean(),
  /** Secure contacts only: the same 60 digits on both sides, built from both public keys. */
  safetyNumber: z.string().optional(),
  /** The name the person gave this contact, shown instead of the peer's own; `name` is then this. */
  localName: z.string().optional(),
  /** The peer's own display name from its hello (secure) or its address (plain). */
  peerName: z.string(),
  /** Offline contacts that are dialed again: when the next attempt starts, ms since the epoch. */
  nextRetryAt: z.number().optional(),
  /** Our messages waiting for this contact (queued, or sent but not yet acknowledged). */
  queued: z.number().int().min(0),
  keyChange: KeyChangeSchema.optional(),
  /**
   * Our messages written at or before this time (ms) are held: another key answered at the contact's address
   * after they were written. They wait until the person sends them to the new key (`contact:send-held`).
   */
  heldUntil: z.number().optional(),
  /**
   * A message request: a peer the person has not accepted (nor dialed), with what of it is stored. Beyond the
   * request quota nothing more is acknowledged (its sender keeps it) until `request:accept` or a reply.
   */
  request: z.object({ messages: z.number().int().min(0), bytes: z.number().int().min(0) }).optional(),
  /** Secure contacts: their file offers of at most this many bytes are accepted without asking. Absent: always asked. */
  autoAcceptBytes: z.number().int().min(0).optional(),
});

/**
 * Our message's way: stored and waiting (queued), written to the peer's session (sent), stored by the peer
 * (delivered), read by the person (read: only when they turned read receipts on), or failed, with a reason, until
 * the person retries or cancels it. "queued" and "delivered" are reported only once on disk.
 */
export const MessageStatusSchema = z.enum(['queued', 'sent', 'delivered', 'read', 'failed']);
/** A chat message, or a notice Peerline puts in the conversation (a changed key, say). */
export const MessageKindSchema = z.enum(['chat', 'notice']);

export const MessageSchema = z.object({
  id: MessageId,
  peer: PeerKey,
  fromMe: z.boolean(),
  text: z.string(),
  /** Milliseconds since the epoch: when sent (ours) or received (theirs). */
  at: z.number(),
  /** The sender's clock when it was written, ms since the epoch (ours: same as `at`). */
  sentAt: z.number(),
  kind: MessageKindSchema,
  /** Our own messages only. */
  status: MessageStatusSchema.optional(),
  /** Why it failed, when `status` is "failed". */
  failure: z.string().optional(),
  /** Theirs: sent by a verified contact's new key while it awaited approval, so perhaps not by the contact. */
  unapprovedKey: z.boolean().optional(),
});

export const SearchResultSchema = z.object({
  peer: PeerKey,
  /** The conversation's shown name. */
  name: z.string(),
  message: MessageSchema,
});

/** What a notification of a message shows (as Signal offers): its sender and text, the sender only, neither, or none at all. */
export const NotificationContentSchema = z.enum(['name-and-message', 'name-only', 'neither', 'off']);

/** A host in the manual list of addresses asked directly who is there (networks that drop multicast). */
const ProbeHost = z
  .string()
  .trim()
  .min(1, 'Type a host, like 192.168.1.20.')
  .max(253)
  .refine((host) => {
    const parsed = parsePeerAddress(host);
    return parsed.ok && parsed.host === host;
  }, 'A probe address is a host without a port, like 192.168.1.20.');

/** A Peerline heard on the local network: a hint until its handshake shows the announced key. */
export const NearbyPeerSchema = z.object({
  /** The fingerprint it announced. */
  fingerprint: z.string(),
  /** Where it was heard: the datagram's source address and the announced port. */
  address: z.string(),
  /** The contact whose key has this fingerprint, when there is one. */
  contact: z.object({ peer: PeerKey, name: z.string() }).optional(),
});
export const NearbyListSchema = z.object({ peers: z.array(NearbyPeerSchema) });

export const SettingsSchema = z.object({
  displayName: z.string(),
  port: ListenPort,
  allowPlain: z.boolean(),
  /** Tell peers when we have read their messages. Off unless the person turns it on. */
  readReceipts: z.boolean(),
  /**
   * Announce our key on the DHT and accept sessions over it. Anyone who knows the key can then learn our IP
   * address. On by default in the app; off in the command line unless `--dht`.
   */
  reachableByKey: z.boolean(),
  /** "Let nearby devices see me": announce this Peerline on the local network. */
  nearbyVisible: z.boolean(),
  /** "Look for nearby devices": list the Peerlines announced on the local network. */
  nearbyLook: z.boolean(),
  /** Hosts asked directly who is there, for networks that drop multicast. */
  probeAddresses: z.array(z.string()),
  notifications: NotificationContentSchema,
  /** Desktop app: closing the window keeps Peerline running in the tray (on by default on Windows only). */
  closeToTray: z.boolean(),
  /** Desktop app: start (hidden) when the person logs in. Off unless turned on. */
  startAtLogin: z.boolean(),
  /** Where received files go (default: the system's Downloads folder, `Peerline` inside it). */
  downloadDir: z.string(),
  /** The DHT relay's key (64 hex digits) for sessions no hole can be punched for; '' when none is set (the default). */
  dhtRelay: z.string(),
});

/** A DHT relay setting: a key in hex, or '' for none. */
const DhtRelayKey = z.union([z.string().regex(/^[0-9a-fA-F]{64}$/, 'a relay is its key, 64 hex digits'), z.literal('')]);

const PeerRequest = z.object({ peer: PeerKey }).strict();
/** A folder for received files: a whole path (a relative one would depend on where the app was started). */
const DownloadDir = z
  .string()
  .trim()
  .min(1, 'Choose a folder for received files.')
  .max(4096, 'That path is too long.')
  .refine((dir) => dir.startsWith('/') || /^[A-Za-z]:[\\/]/.test(dir) || dir.startsWith('\\\\'), 'Give the whole path of the folder, from the top.')
  .refine((dir) => !dir.includes('\0'), 'A path cannot hold a NUL character.');

/** A file transfer as the UIs show it (features/files). */
export const TransferStatusSchema = z.enum(['waiting', 'offered', 'sending', 'receiving', 'paused', 'stalled', 'done', 'failed', 'cancelled', 'declined']);
export const TransferSchema = z.object({
  transfer: z.string(),
  peer: PeerKey,
  direction: z.enum(['in', 'out']),
  status: TransferStatusSchema,
  /** The first item's top-level name (a file or a folder), and how many files in all. */
  name: z.string(),
  files: z.number().int(),
  total: z.number(),
  bytes: z.number(),
  bytesPerSecond: z.number(),
  etaSeconds: z.number().optional(),
  /** Who holds it paused: the person here, the peer, a full disk here. */
  paused: z.array(z.enum(['me', 'peer', 'disk'])),
  reason: z.string().optional(),
  /** Incoming, once accepted: the folder the files go to. */
  directory: z.string().optional(),
  /** A name in it runs code when opened: the UI warns before opening. */
  dangerous: z.boolean(),
});
const TransferRequest = z.object({ transfer: z.string().regex(/^[0-9a-f]{32}$/, 'A transfer id is 32 hex digits.') }).strict();
const MessageRef = z.object({ peer: PeerKey, id: MessageId }).strict();

const GroupId = z.string().regex(/^[0-9a-f]{64}$/, 'a group id is 64 hex digits');
const GroupMessageId = z.string().regex(/^[0-9a-f]{64}$/, 'a group message id is 64 hex digits');
const MemberKey = z.string().regex(/^[0-9a-f]{64}$/, 'a member is its key, 64 hex digits');
const GroupRequest = z.object({ group: GroupId }).strict();

export const GroupRoleSchema = z.enum(['admin', 'member']);

export const GroupMemberSchema = z.object({
  /** The member's key (hex). */
  id: MemberKey,
  /** Told apart from the other members' names (a short fingerprint where two read alike). */
  name: z.string(),
  role: GroupRoleSchema,
  me: z.boolean(),
  /** Connected to us now (a group message may also reach it through other members). */
  online: z.boolean(),
  /** When we last had a session with it or heard (first hand or passed on) that it took messages; null: never. */
  lastSeen: z.number().nullable(),
});

/** A member who does not hold a message yet, and when it was last seen. */
export const GroupPendingSchema = z.object({ id: MemberKey, name: z.string(), lastSeen: z.number().nullable() });

/** Messages hidden because earlier ones they follow have not arrived: `missing` of them are `author`'s. */
export const GroupGapSchema = z.object({ author: MemberKey, name: z.string(), missing: z.number().int().min(1) });

export const GroupSchema = z.object({
  id: GroupId,
  name: z.string(),
  members: z.array(GroupMemberSchema),
  /** Whether we are in it (a group we left or were removed from keeps its history). */
  isMember: z.boolean(),
  joinedBy: MemberKey,
  /** Messages held back until earlier ones they follow arrive. */
  waiting: z.number().int().min(0),
  /** What they wait for, by author ("waiting for 2 earlier messages from Bob")... */
  gaps: z.array(GroupGapSchema),
  /** ...and earlier messages they link whose author cannot be told until they arrive. */
  otherMissing: z.number().int().min(0),
});

export const GroupMessageStatusSchema = z.enum(['queued', 'sent', 'delivered']);

export const GroupMessageSchema = z.object({
  group: GroupId,
  id: GroupMessageId,
  from: MemberKey,
  fromName: z.string(),
  fromMe: z.boolean(),
  text: z.string(),
  /** The author's clock when written (ms), and its counter: the order is (sentAt, counter, from, id). */
  sentAt: z.number(),
  counter: z.number().int().min(0),
  /** It arrived after messages that follow it in the order (from a healed partition, say). */
  late: z.boolean(),
  /** Ours: stored → sent → delivered to `delivered` of `members` other members. */
  status: GroupMessageStatusSchema.optional(),
  delivered: z.number().int().min(0).optional(),
  members: z.number().int().min(0).optional(),
  /** Ours: the members who do not hold it yet. */
  pending: z.array(GroupPendingSchema).optional(),
});

export const invokeContract = {
  'identity:get': { request: Empty, response: IdentitySchema },
  'identity:set-name': { request: z.object({ name: DisplayName }).strict(), response: IdentitySchema },
  'node:status': { request: Empty, response: NodeStatusSchema },
  'peer:connect': {
    request: z
      .object({
        host: z.string().trim().min(1, 'Type an address like 192.168.1.20:8000.').max(255),
        port: DialPort,
        mode: Mode.default('secure'),
        /** Names this attempt so that `peer:cancel-connect` can stop it. */
        attempt: z.string().min(1).max(64).optional(),
      })
      .strict(),
    response: ConversationSchema,
  },
  /** Connects to what the person typed or pasted: `host:port`, a public key, or a `peerline:` invite link. */
  'peer:dial': {
    request: z
      .object({
        target: z.string().trim().min(1, 'Type an address like 192.168.1.20:8000, a key, or a peerline: link.').max(MAX_INVITE_LINK_CHARS, 'That is too long for an address, a key or a link.'),
        attempt: z.string().min(1).max(64).optional(),
      })
      .strict(),
    response: ConversationSchema,
  },
  /** Asks a connected contact to try to reach us: at our TCP address as it sees us, or by our key over the DHT. */
  'peer:dial-back': {
    request: z.object({ peer: PeerKey, via: z.enum(['tcp', 'dht']) }).strict(),
    response: DialBackSchema,
  },
  'node:doctor': { request: Empty, response: DoctorReportSchema },
  'peer:cancel-connect': { request: z.object({ attempt: z.string().min(1).max(64) }).strict(), response: z.null() },
  'peer:disconnect': { request: z.object({ peer: PeerKey }).strict(), response: z.null() },
  'peer:list': { request: Empty, response: z.array(ConversationSchema) },
  'conversation:list': { request: Empty, response: z.array(ConversationSchema) },
  'conversation:mark-read': { request: z.object({ peer: PeerKey }).strict(), response: z.null() },
  'message:send': { request: z.object({ peer: PeerKey, text: MessageText }).strict(), response: MessageSchema },
  'message:list': {
    request: z
      .object({
        peer: PeerKey,
        /** Page back from this message (exclusive). With none of before/after/around: the newest page. */
        before: MessageId.optional(),
        /** Page forward from this message (exclusive). */
        after: MessageId.optional(),
        /** A page with this message in its middle (a search result to jump to). */
        around: MessageId.optional(),
        limit: z.number().int().min(1).max(500).default(100),
      })
      .strict()
      .refine((r) => [r.before, r.after, r.around].filter((v) => v !== undefined).length <= 1, 'Give at most one of before, after and around.'),
    /** Oldest first. `hasMore`: older messages exist; `hasNewer`: newer ones exist. */
    response: z.object({ messages: z.array(MessageSchema), hasMore: z.boolean(), hasNewer: z.boolean() }),
  },
  /** Sends a failed message again (it is queued anew under the same id, so the peer still shows it once). */
  'message:retry': { request: MessageRef, response: MessageSchema },
  /** Withdraws a queued or failed message that the peer has not received; it leaves the conversation. */
  'message:cancel': { request: MessageRef, response: z.null() },
  /** Messages across all conversations whose words start with the query's words, newest first. */
  'message:search': {
    request: z.object({ query: z.string().trim().min(1, 'Type a word to search for.').max(200), limit: z.number().int().min(1).max(200).default(50) }).strict(),
    response: z.object({ results: z.array(SearchResultSchema), more: z.boolean() }),
  },
  /** Marks a secure contact verified (the person compared safety numbers), or takes that back. */
  'contact:verify': { request: z.object({ peer: PeerKey, verified: z.boolean() }).strict(), response: ConversationSchema },
  /** Accepts a verified contact's changed key: it is pinned, the contact is no longer verified, and waiting messages go. */
  'contact:approve-key': { request: PeerRequest, response: ConversationSchema },
  /** Puts away the warning of an unverified contact's key change: the person has seen it. */
  'contact:dismiss-key-change': { request: PeerRequest, response: ConversationSchema },
  /** Sends the messages held since the contact's key changed (`heldUntil`) to the key pinned now. */
  'contact:send-held': { request: PeerRequest, response: ConversationSchema },
  /** Gives a contact a local name, or with null goes back to the name it gives itself. */
  'contact:rename': {
    request: z.object({ peer: PeerKey, name: DisplayName.nullable() }).strict(),
    response: ConversationSchema,
  },
  /**
   * Accepts the contact's file offers of at most `bytes` without asking; null turns that off again (then only a
   * run-wide `--auto-accept` of the command line applies). Secure contacts only.
   */
  'contact:auto-accept': {
    request: z.object({ peer: PeerKey, bytes: z.number().int('A whole number of bytes.').min(0, 'A size cannot be negative.').max(Number.MAX_SAFE_INTEGER).nullable() }).strict(),
    response: ConversationSchema,
  },
  /** Forgets a contact: its conversation, history and waiting messages. A connected peer is disconnected. */
  'contact:remove': { request: PeerRequest, response: z.null() },
  /** Dials an offline contact now instead of at its next retry. */
  'contact:reconnect': { request: PeerRequest, response: z.null() },
  /** Accepts a message request: the peer becomes a contact, and what its side held back comes. */
  'request:accept': { request: PeerRequest, response: ConversationSchema },
  /** Declines a message request: the peer and its messages are forgotten, and its session closed. */
  'request:decline': { request: PeerRequest, response: z.null() },
  /** Blocks a peer: forgotten with its messages, and refused from now on (across restarts). */
  'contact:block': { request: PeerRequest, response: z.null() },
  'message:typing': { request: z.object({ peer: PeerKey, active: z.boolean() }).strict(), response: z.null() },
  /** A group of `members` (contacts): signed by us, stored, and sent to whoever of them is reachable. */
  'group:create': {
    request: z.object({ name: DisplayName, members: z.array(PeerKey).max(49) }).strict(),
    response: GroupSchema,
  },
  /** Adds a contact (an admin's right). `member`: a contact id, or a member key. */
  'group:add': { request: z.object({ group: GroupId, member: PeerKey, role: GroupRoleSchema.default('member') }).strict(), response: GroupSchema },
  'group:remove': { request: z.object({ group: GroupId, member: PeerKey }).strict(), response: GroupSchema },
  /** Makes a member an admin (an admin's right). `member`: a member key, or a contact id. */
  'group:promote': { request: z.object({ group: GroupId, member: PeerKey }).strict(), response: GroupSchema },
  /** Renames the group (an admin's right). */
  'group:rename': { request: z.object({ group: GroupId, name: DisplayName }).strict(), response: GroupSchema },
  'group:leave': { request: GroupRequest, response: z.null() },
  'group:send': { request: z.object({ group: GroupId, text: MessageText }).strict(), response: GroupMessageSchema },
  /** The group's messages in display order (clock, author, id), oldest first, a page back from `before`. */
  'group:history': {
    request: z.object({ group: GroupId, before: GroupMessageId.optional(), limit: z.number().int().min(1).max(500).default(100) }).strict(),
    response: z.object({ messages: z.array(GroupMessageSchema), hasMore: z.boolean() }),
  },
  'group:list': { request: Empty, response: z.array(GroupSchema) },
  /** Offers a file or folder on this machine to a contact (now, or when it is back). */
  'file:send': { request: z.object({ peer: PeerKey, path: z.string().min(1).max(4096) }).strict(), response: TransferSchema },
  /** The desktop app: picks files with the system's chooser and offers them (elsewhere: refused, the page uploads). */
  'file:choose': { request: PeerRequest, response: z.array(TransferSchema) },
  'file:accept': { request: TransferRequest, response: TransferSchema },
  'file:decline': { request: TransferRequest, response: TransferSchema },
  'file:cancel': { request: TransferRequest, response: TransferSchema },
  'file:pause': { request: TransferRequest, response: TransferSchema },
  'file:resume': { request: TransferRequest, response: TransferSchema },
  'file:list': { request: Empty, response: z.array(TransferSchema) },
  /** Where a received transfer's files are; the desktop app also shows them in the file manager. Nothing is opened. */
  'file:show': { request: TransferRequest, response: z.object({ path: z.string() }) },
  'settings:get': { request: Empty, response: SettingsSchema },
  'settings:set': {
    request: z
      .object({
        displayName: DisplayName.optional(),
        port: ListenPort.optional(),
        allowPlain: z.boolean().optional(),
        readReceipts: z.boolean().optional(),
        reachableByKey: z.boolean().optional(),
        nearbyVisible: z.boolean().optional(),
        nearbyLook: z.boolean().optional(),
        probeAddresses: z.array(ProbeHost).max(MAX_PROBE_ADDRESSES, `At most ${MAX_PROBE_ADDRESSES} probe addresses.`).optional(),
        notifications: NotificationContentSchema.optional(),
        closeToTray: z.boolean().optional(),
        startAtLogin: z.boolean().optional(),
        downloadDir: DownloadDir.optional(),
        dhtRelay: DhtRelayKey.optional(),
      })
      .strict(),
    response: SettingsSchema,
  },
  /** The Peerlines heard nearby, newest first. */
  'nearby:list': { request: Empty, response: NearbyListSchema },
  /** Dials a nearby peer; its handshake must show the announced fingerprint, or it is dropped from the list. */
  'nearby:connect': { request: z.object({ fingerprint: z.string().min(1).max(64), address: z.string().min(1).max(300) }).strict(), response: ConversationSchema },
  /**
   * The conversation the person is looking at now (the window focused and visible, that conversation open), or
   * null: its messages raise no notification.
   */
  'conversation:viewing': { request: z.object({ peer: PeerKey.nullable() }).strict(), response: z.null() },
} satisfies Record<InvokeChannel, { request: z.ZodType; response: z.ZodType }>;

export const eventContract = {
  'peer:updated': ConversationSchema,
  'message:received': MessageSchema,
  'message:status-changed': z.object({ peer: PeerKey, id: MessageId, status: MessageStatusSchema, failure: z.string().optional() }),
  /** A message left its conversation (cancelled). */
  'message:removed': z.object({ peer: PeerKey, id: MessageId }),
  /** A contact and its conversation were removed. */
  'conversation:removed': z.object({ peer: PeerKey }),
  'node:updated': NodeStatusSchema,
  /** A group was created, joined, renamed, or its members or their roles changed. */
  'group:updated': GroupSchema,
  /** Someone added us to a group. */
  'group:joined': z.object({ group: GroupId, name: z.string(), by: MemberKey }),
  'group:message-received': GroupMessageSchema,
  'group:status-changed': z.object({
    group: GroupId, id: GroupMessageId, status: GroupMessageStatusSchema, delivered: z.number().int().min(0), members: z.number().int().min(0),
    /** The members who do not hold it yet, with when each was last seen. */
    pending: z.array(GroupPendingSchema),
  }),
  /** We left, or were removed from, a group. */
  'group:removed': z.object({ group: GroupId, by: MemberKey }),
  /** Something about a group the person should know: late arrivals, dropped envelopes. */
  'group:notice': z.object({ group: GroupId, text: z.string() }),
  'error:raised': z.object({ code: z.enum(ERROR_CODES), message: z.string() }),
  /** The nearby list changed: a peer heard, expired, or dropped for showing another key. */
  'nearby:updated': NearbyListSchema,
  /**
   * A message should be told to the person (see shared/notifications.ts): one notification per conversation,
   * replacing the one before; `count` messages are unread there. Its text follows the notification setting.
   */
  'message:notify': z.object({ peer: PeerKey, title: z.string(), body: z.string(), count: z.number().int().min(1) }),
  'settings:updated': SettingsSchema,
  /** Desktop app: the person clicked a notification; the window shows this conversation. Sent by main, not the core. */
  'conversation:open-requested': z.object({ peer: PeerKey }),
  /** A contact offers files: what, how much, and the free space where they would go. */
  'file:offered': z.object({ peer: PeerKey, transfer: z.string(), items: z.array(z.object({ name: z.string(), size: z.number() })), files: z.number(), total: z.number(), freeBytes: z.number().optional() }),
  /** A transfer changed: its status, or its progress (at most four times a second). */
  'file:updated': TransferSchema,
} satisfies Record<EventChannel, z.ZodType>;

export type Identity = z.output<typeof IdentitySchema>;
export type NodeStatus = z.output<typeof NodeStatusSchema>;
export type PeerState = z.output<typeof PeerStateSchema>;
export type Conversation = z.output<typeof ConversationSchema>;
export type MessageStatus = z.output<typeof MessageStatusSchema>;
export type Message = z.output<typeof MessageSchema>;
export type Settings = z.output<typeof SettingsSchema>;
export type DoctorReport = z.output<typeof DoctorReportSchema>;
export type DialBack = z.output<typeof DialBackSchema>;
export type MessageKind = z.output<typeof MessageKindSchema>;
export type KeyChange = z.output<typeof KeyChangeSchema>;
export type SearchResult = z.output<typeof SearchResultSchema>;
export type Group = z.output<typeof GroupSchema>;
export type GroupMember = z.output<typeof GroupMemberSchema>;
export type GroupPending = z.output<typeof GroupPendingSchema>;
export type GroupMessage = z.output<typeof GroupMessageSchema>;
export type NotificationContent = z.output<typeof NotificationContentSchema>;
export type NearbyPeer = z.output<typeof NearbyPeerSchema>;
export type Transfer = z.output<typeof TransferSchema>;

/** What a caller sends (defaults may be left out). */
export type RequestOf<C extends InvokeChannel> = z.input<(typeof invokeContract)[C]['request']>;
/** What a handler receives: the request after validation, defaults filled in. */
export type ParsedRequestOf<C extends InvokeChannel> = z.output<(typeof invokeContract)[C]['request']>;
export type ResponseOf<C extends InvokeChannel> = z.output<(typeof invokeContract)[C]['response']>;
export type EventPayload<E extends EventChannel> = z.output<(typeof eventContract)[E]>;

/** One handler per channel: what `AppService` implements and both transports call. */
export type ContractHandlers = { [C in InvokeChannel]: (request: ParsedRequestOf<C>) => Promise<ResponseOf<C>> };

/** Where a service sends its events; each transport forwards them its own way. */
export type EventSink = <E extends EventChannel>(event: E, payload: EventPayload<E>) => void;
