import { describe, expect, it } from 'vitest';
import type { Conversation, Message } from '../../shared/ipc/contract';
import { CATCH_UP_AGE_MS, NOTIFICATION_TEXT_CHARS, notificationText, shouldNotify, type NotifyContext } from '../../shared/notifications';

const now = 1_700_000_000_000;
const message = (extra: Partial<Message> = {}): Message => ({ id: '0'.repeat(32), peer: 'bob', fromMe: false, text: 'hi', at: now, sentAt: now - 1000, kind: 'chat', ...extra });
const conversation = (extra: Partial<Conversation> = {}) => ({ peer: 'bob', name: 'Bob', unread: 1, ...extra }) as Conversation;
const ctx = (extra: Partial<NotifyContext> = {}): NotifyContext => ({ setting: 'name-and-message', inView: null, conversation: conversation(), ...extra });

describe('shouldNotify', () => {
  it('notifies a live chat message from the peer into a conversation not in view', () => {
    expect(shouldNotify(message(), ctx())).toBe(true);
    expect(shouldNotify(message(), ctx({ inView: 'carol' }))).toBe(true);
    expect(shouldNotify(message(), ctx({ setting: 'neither' }))).toBe(true);
  });

  it('never for: notifications off, our own messages, notices, the conversation in view', () => {
    expect(shouldNotify(message(), ctx({ setting: 'off' }))).toBe(false);
    expect(shouldNotify(message({ fromMe: true }), ctx())).toBe(false);
    expect(shouldNotify(message({ kind: 'notice' }), ctx())).toBe(false);
    expect(shouldNotify(message(), ctx({ inView: 'bob' }))).toBe(false);
  });

  it('never for catch-up of old history (written long before it arrived)', () => {
    expect(shouldNotify(message({ sentAt: now - CATCH_UP_AGE_MS }), ctx())).toBe(true);
    expect(shouldNotify(message({ sentAt: now - CATCH_UP_AGE_MS - 1 }), ctx())).toBe(false);
  });

  it('never for a key awaiting approval: the message from it, or the contact whose new key waits', () => {
    expect(shouldNotify(message({ unapprovedKey: true }), ctx())).toBe(false);
    const keyChange = { at: now, previousFingerprint: 'A', fingerprint: 'B', needsApproval: true };
    expect(shouldNotify(message(), ctx({ conversation: conversation({ keyChange }) }))).toBe(false);
    expect(shouldNotify(message(), ctx({ conversation: conversation({ keyChange: { ...keyChange, needsApproval: false } }) }))).toBe(true);
  });
});

describe('notificationText', () => {
  it('shows as much as the setting says', () => {
    expect(notificationText('name-and-message', 'Bob', 'lunch?', 1)).toEqual({ title: 'Bob', body: 'lunch?' });
    expect(notificationText('name-only', 'Bob', 'lunch?', 1)).toEqual({ title: 'Bob', body: 'New message' });
    expect(notificationText('neither', 'Bob', 'lunch?', 1)).toEqual({ title: 'Peerline', body: 'New message' });
  });

  it('coalesces: the count of unread messages in the conversation', () => {
    expect(notificationText('name-and-message', 'Bob', 'lunch?', 3)).toEqual({ title: 'Bob', body: 'lunch? (3 new messages)' });
    expect(notificationText('name-only', 'Bob', 'lunch?', 3).body).toBe('3 new messages');
    expect(notificationText('neither', 'Bob', 'secret', 2)).toEqual({ title: 'Peerline', body: '2 new messages' });
  });

  it('cuts a long message', () => {
    const body = notificationText('name-and-message', 'Bob', 'x'.repeat(10_000), 1).body;
    expect(body).toHaveLength(NOTIFICATION_TEXT_CHARS);
    expect(body.endsWith('…')).toBe(true);
  });
});
