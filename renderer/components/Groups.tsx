import { useId, useState, type FormEvent } from 'react';
import { gapsText, lastSeenText, pendingText } from '../../shared/group-status';
import type { GroupMessage } from '../../shared/ipc/contract';
import { useStore } from '../state/store';
import { Modal } from './Modal';
import { MessageText } from './MessageText';
import { FormError } from './FormError';

/** The sidebar's groups: one button each, and "New group". */
export function GroupList() {
  const groups = useStore((s) => s.groups);
  const selected = useStore((s) => s.selectedGroup);
  const selectGroup = useStore((s) => s.selectGroup);
  const openDialog = useStore((s) => s.openDialog);
  const headingId = useId();
  const mine = Object.values(groups).filter((group) => group.isMember);
  return (
    <nav className="group-list" aria-labelledby={headingId}>
      <div className="group-list-head">
        <h2 id={headingId} className="section-title">
          Groups
        </h2>
        <button type="button" className="btn" aria-haspopup="dialog" onClick={() => openDialog({ kind: 'new-group' })}>
          New group
        </button>
      </div>
      <ul>
        {mine.map((group) => (
          <li key={group.id}>
            <button type="button" className="group-item" aria-current={group.id === selected ? 'true' : undefined} onClick={() => void selectGroup(group.id)}>
              {group.name} <span className="hint">({group.members.length} members)</span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** "New group": a name and which of your (encrypted) contacts are in it. */
export function NewGroupDialog() {
  const contacts = useStore((s) => s.conversations);
  const closeDialog = useStore((s) => s.closeDialog);
  const createGroup = useStore((s) => s.createGroup);
  const selectGroup = useStore((s) => s.selectGroup);
  const titleId = useId();
  const [name, setName] = useState('');
  const [members, setMembers] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const candidates = Object.values(contacts).filter((c) => c.mode === 'secure' && !c.request);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (name.trim() === '') return setError('Give the group a name.');
    if (members.length === 0) return setError('Pick at least one contact.');
    const result = await createGroup(name.trim(), members);
    if (!result.ok) return setError(result.error.message);
    closeDialog();
    await selectGroup(result.value.id);
  }

  return (
    <Modal labelledBy={titleId} onCancel={closeDialog} className="new-group-dialog">
      <h2 id={titleId} className="modal-title">
        New group
      </h2>
      <form onSubmit={(event) => void submit(event)}>
        <label className="field">
          <span>Group name</span>
          <input value={name} onChange={(event) => setName(event.target.value)} autoFocus />
        </label>
        <fieldset className="group-members-pick">
          <legend>Members</legend>
          {candidates.length === 0 && <p className="hint">Connect to someone first: a group is made of your contacts.</p>}
          {candidates.map((contact) => (
            <label key={contact.peer} className="check">
              <input
                type="checkbox"
                checked={members.includes(contact.peer)}
                onChange={(event) => setMembers((now) => (event.target.checked ? [...now, contact.peer] : now.filter((p) => p !== contact.peer)))}
              />
              <span>{contact.name}</span>
            </label>
          ))}
        </fieldset>
        <FormError error={error} />
        <div className="modal-actions">
          <button type="button" className="btn" onClick={closeDialog}>
            Cancel
          </button>
          <button type="submit" className="btn primary">
            Create group
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** One group: its members and roles, its messages with their authors, and a message box. */
export function GroupView({ group }: { group: string }) {
  const info = useStore((s) => s.groups[group]);
  const messages = useStore((s) => s.groupMessages[group]);
  const leaveGroup = useStore((s) => s.leaveGroup);
  const removeFromGroup = useStore((s) => s.removeFromGroup);
  const promoteInGroup = useStore((s) => s.promoteInGroup);
  const titleId = useId();
  const membersId = useId();
  if (info === undefined) return null;
  const admin = info.members.some((member) => member.me && member.role === 'admin');
  return (
    <section className="conversation group-view" aria-labelledby={titleId}>
      <header className="conversation-header">
        <h2 id={titleId} className="conversation-title">
          {info.name}
        </h2>
        {info.isMember && (
          <button type="button" className="btn danger" onClick={() => void leaveGroup(group)}>
            Leave group
          </button>
        )}
      </header>
      <section className="group-members" aria-labelledby={membersId}>
        <h3 id={membersId} className="section-title">
          Members
        </h3>
        <ul>
          {info.members.map((member) => (
            <li key={member.id}>
              {member.name}
              {member.me && ' (you)'} <span className="badge badge-muted">{member.role}</span>
              {!member.me && <span className="hint">{member.online ? ' online' : ` offline — last seen ${lastSeenText(member.lastSeen, Date.now())}`}</span>}
              {admin && info.isMember && !member.me && member.role === 'member' && (
                <button type="button" className="btn" aria-label={`Make ${member.name} an admin`} onClick={() => void promoteInGroup(group, member.id)}>
                  Make admin
                </button>
              )}
              {admin && info.isMember && !member.me && (
                <button type="button" className="btn" aria-label={`Remove ${member.name}`} onClick={() => void removeFromGroup(group, member.id)}>
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
        {admin && info.isMember && <AddMember group={group} />}
        {admin && info.isMember && <RenameGroup group={group} name={info.name} />}
        {!info.isMember && <p className="notice">You are no longer in this group.</p>}
        {info.waiting > 0 && (
          <p className="hint" role="status">
            {info.waiting} message{info.waiting === 1 ? '' : 's'} hidden. {gapsText(info.gaps, info.otherMissing)}
          </p>
        )}
      </section>
      <ol className="group-messages" role="log" aria-label={`Messages in ${info.name}`}>
        {(messages ?? []).map((message) => (
          <GroupMessageRow key={message.id} message={message} />
        ))}
      </ol>
      {info.isMember && <GroupComposer group={group} name={info.name} />}
    </section>
  );
}

/** An admin adds one of their (encrypted) contacts who is not in the group yet. */
function AddMember({ group }: { group: string }) {
  const contacts = useStore((s) => s.conversations);
  const members = useStore((s) => s.groups[group]?.members);
  const addToGroup = useStore((s) => s.addToGroup);
  const [picked, setPicked] = useState('');
  const inGroup = new Set(members?.map((member) => member.id));
  const candidates = Object.values(contacts).filter((c) => c.mode === 'secure' && !c.request && !inGroup.has(c.peer));
  if (candidates.length === 0) return null;
  return (
    <form
      className="group-add"
      onSubmit={(event) => {
        event.preventDefault();
        if (picked !== '') void addToGroup(group, picked).then(() => setPicked(''));
      }}
    >
      <label>
        <span>Add a contact </span>
        <select value={picked} onChange={(event) => setPicked(event.target.value)}>
          <option value="">Choose…</option>
          {candidates.map((contact) => (
            <option key={contact.peer} value={contact.peer}>
              {contact.name}
            </option>
          ))}
        </select>
      </label>{' '}
      <button type="submit" className="btn" disabled={picked === ''}>
        Add
      </button>
    </form>
  );
}

/** An admin renames the group: a signed operation every member applies. */
function RenameGroup({ group, name }: { group: string; name: string }) {
  const renameGroup = useStore((s) => s.renameGroup);
  const [value, setValue] = useState('');
  return (
    <form
      className="group-rename"
      onSubmit={(event) => {
        event.preventDefault();
        if (value.trim() !== '' && value.trim() !== name) void renameGroup(group, value.trim()).then((result) => result.ok && setValue(''));
      }}
    >
      <label>
        <span>New name </span>
        <input value={value} onChange={(event) => setValue(event.target.value)} placeholder={name} />
      </label>{' '}
      <button type="submit" className="btn" disabled={value.trim() === ''}>
        Rename group
      </button>
    </form>
  );
}

function GroupMessageRow({ message }: { message: GroupMessage }) {
  return (
    <li className={`group-message${message.fromMe ? ' mine' : ''}`}>
      <span className="group-author">{message.fromMe ? 'You' : message.fromName}</span>
      {message.late && <span className="badge badge-muted">arrived late</span>}
      <p className="group-text">
        <MessageText text={message.text} />
      </p>
      {message.fromMe && message.status !== undefined && (
        <span className="group-status hint">
          {message.status === 'delivered' ? `delivered ${message.delivered}/${message.members}` : message.status}
        </span>
      )}
      {message.fromMe && message.pending !== undefined && message.pending.length > 0 && (
        <details className="group-pending">
          <summary>Who does not have it yet</summary>
          <ul>
            {pendingText(message.pending, Date.now()).map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </details>
      )}
    </li>
  );
}

function GroupComposer({ group, name }: { group: string; name: string }) {
  const sendToGroup = useStore((s) => s.sendToGroup);
  const [text, setText] = useState('');
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (text.trim() === '') return;
    const result = await sendToGroup(group, text);
    if (result.ok) setText('');
  }
  return (
    <form className="composer" onSubmit={(event) => void submit(event)}>
      <textarea aria-label={`Message to ${name}`} value={text} onChange={(event) => setText(event.target.value)} rows={2} />
      <button type="submit" className="btn primary">
        Send
      </button>
    </form>
  );
}
