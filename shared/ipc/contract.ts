/**
 * The IPC contract: every invoke channel (`area:verb`) with its request and response schema, and every event
 * (`area:past-tense`) with its payload schema, declared once. Handlers, the preload, the WebSocket transport
 * and the renderer's client are typed from this map, so a channel without a handler does not compile. Every
 * request is validated with these schemas before it reaches `AppService`.
 */
import { z } from 'zod';
import { utf8ByteLength } from '../bytes';
import { MAX_NAME_BYTES, MAX_TEXT_BYTES } from '../protocol/limits';
import type { EventChannel, InvokeChannel } from './channels';
import { ERROR_CODES } from './result';

const PeerKey = z.string().min(1).max(300);
const MessageId = z.string().regex(/^[0-9a-f]{32}$/, 'a message id is 32 hex digits');
const ListenPort = z.number().int().min(0).max(65535);
const DialPort = z.number().int().min(1, 'Port must be a number from 1 to 65535.').max(65535, 'Port must be a number from 1 to 65535.');
const Mode = z.enum(['secure', 'plain']);
const Empty = z.object({}).strict();

const DisplayName = z
  .string()
  .trim()
  .min(1, 'A name cannot be empty.')
  .refine((name) => utf8ByteLength(name) <= MAX_NAME_BYTES, `A name can be at most ${MAX_NAME_BYTES} bytes.`);
const MessageText = z
  .string()
  .min(1, 'The message is empty.')
  .refine((text) => utf8ByteLength(text) <= MAX_TEXT_BYTES, `The message is too long: at most ${MAX_TEXT_BYTES / 1024} KiB.`);

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

export const PeerStateSchema = z.enum(['connecting', 'online', 'offline']);

export const ConversationSchema = z.object({
  peer: PeerKey,
  mode: Mode,
  /** The peer's display name; for plain-text peers, their address. */
  name: z.string(),
  /** Where to dial the peer again, `host:port`: for one that dialed us, its host and listening port. */
  address: z.string(),
  fingerprint: z.string().optional(),
  state: PeerStateSchema,
  unread: z.number().int().min(0),
  lastMessage: z.object({ text: z.string(), at: z.number(), fromMe: z.boolean() }).optional(),
  typing: z.boolean(),
  /** Why the peer went offline, when it did. */
  lastReason: z.string().optional(),
});

export const MessageStatusSchema = z.enum(['sending', 'sent', 'delivered', 'failed']);

export const MessageSchema = z.object({
  id: MessageId,
  peer: PeerKey,
  fromMe: z.boolean(),
  text: z.string(),
  /** Milliseconds since the epoch: when sent (ours) or received (theirs). */
  at: z.number(),
  /** Our own messages only. */
  status: MessageStatusSchema.optional(),
});

export const SettingsSchema = z.object({
  displayName: z.string(),
  port: ListenPort,
  allowPlain: z.boolean(),
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
        /** Page back from this message (exclusive); the newest page when absent. */
        before: MessageId.optional(),
        limit: z.number().int().min(1).max(500).default(100),
      })
      .strict(),
    response: z.object({ messages: z.array(MessageSchema), hasMore: z.boolean() }),
  },
  'message:typing': { request: z.object({ peer: PeerKey, active: z.boolean() }).strict(), response: z.null() },
  'settings:get': { request: Empty, response: SettingsSchema },
  'settings:set': {
    request: z.object({ displayName: DisplayName.optional(), port: ListenPort.optional(), allowPlain: z.boolean().optional() }).strict(),
    response: SettingsSchema,
  },
} satisfies Record<InvokeChannel, { request: z.ZodType; response: z.ZodType }>;

export const eventContract = {
  'peer:updated': ConversationSchema,
  'message:received': MessageSchema,
  'message:status-changed': z.object({ peer: PeerKey, id: MessageId, status: MessageStatusSchema }),
  'node:updated': NodeStatusSchema,
  'error:raised': z.object({ code: z.enum(ERROR_CODES), message: z.string() }),
} satisfies Record<EventChannel, z.ZodType>;

export type Identity = z.output<typeof IdentitySchema>;
export type NodeStatus = z.output<typeof NodeStatusSchema>;
export type PeerState = z.output<typeof PeerStateSchema>;
export type Conversation = z.output<typeof ConversationSchema>;
export type MessageStatus = z.output<typeof MessageStatusSchema>;
export type Message = z.output<typeof MessageSchema>;
export type Settings = z.output<typeof SettingsSchema>;

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
