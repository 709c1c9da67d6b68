// The local inbox model: pure functions over plain objects, no DOM, no storage, so they run
// in node too. A thread is
//   { thread, name, participants: [ids], messages: [{message, sender, time_ms, text,
//     reply_to?, edit_count?, reactions?, attachments?}] oldest first, unread,
//     watermarks: {reader: up_to}, as_of, more }
// A message's fields are the JSON mapping's ThreadMessage (docs/PROTOCOL.md): `edit_count`
// absent until edited; `reactions` [{user, reaction}] by user id, absent when none;
// `attachments` [{blob, content_type, size, name, width?, height?}].
// `as_of`: the seq of the snapshot the thread was (re)fetched at; updates at or before it are
// already in it (a thread-scoped resync refetches one thread while the stream goes on).
// `folder` ('requests', 'archived'; absent: the inbox) and `requested_by`: social.js.
import { cmpId } from './ids.js';
import { applySocialUpdate, arrivesAsRequest, emptySocial, setFolder } from './social.js';

// Messages kept per thread locally; older ones are paged from HTTP again when wanted.
export const KEEP_MESSAGES = 2000;

export function threadFromSnapshot(ts, asOf) {
  const watermarks = {};
  for (const w of ts.read_watermarks || []) watermarks[w.reader] = w.up_to;
  const t = {
    thread: ts.thread, name: ts.name, participants: ts.participants || [],
    messages: (ts.latest_messages || []).map(normalized),
    unread: ts.unread_count || 0, watermarks, as_of: asOf, more: true,
  };
  setFolder(t, ts.folder);
  return t;
}

// The message as a ThreadMessage of a snapshot shows it (no empty lists, no zero count).
export function normalized(m) {
  const out = { ...m };
  if (!out.edit_count) delete out.edit_count;
  if (!out.reactions || !out.reactions.length) delete out.reactions;
  if (!out.attachments || !out.attachments.length) delete out.attachments;
  return out;
}

// `user`'s reaction on `m` becomes `reaction` (empty: taken back); one per user, by user id.
export function setReaction(m, user, reaction) {
  const rest = (m.reactions || []).filter((r) => r.user !== user);
  if (reaction) {
    rest.push({ user, reaction });
    rest.sort((a, b) => cmpId(a.user, b.user));
  }
  if (rest.length) m.reactions = rest; else delete m.reactions;
}

function emptyThread(id) {
  return { thread: id, name: '', participants: [], messages: [], unread: 0, watermarks: {}, as_of: '0', more: false };
}

function isUnread(t, m, me) {
  const mine = t.watermarks[me];
  return m.sender !== me && (mine === undefined || cmpId(m.message, mine) > 0);
}

function countUnread(t, me) {
  return t.messages.filter((m) => isUnread(t, m, me)).length;
}

// Inserts in id order (ids grow with time; a folded catch-up may deliver out of order).
function insertMessage(t, m) {
  if (t.messages.some((x) => x.message === m.message)) return false;
  let i = t.messages.length;
  while (i > 0 && cmpId(t.messages[i - 1].message, m.message) > 0) i--;
  t.messages.splice(i, 0, m);
  if (t.messages.length > KEEP_MESSAGES) t.messages.splice(0, t.messages.length - KEEP_MESSAGES);
  return true;
}

// Applies one Update (JSON mapping) to `threads` (an object id -> thread) and `social` (the
// user's social state, social.js: its lists replaced, never changed in place), as `me`.
// Returns the id of the thread it touched, or null when it touched none (already applied, or
// a contact or settings change: thread 0 names no thread).
export function applyUpdate(threads, u, me, social = emptySocial()) {
  if (applySocialUpdate(social, u)) return null;
  const id = u.thread;
  let t = threads[id];
  if (t && cmpId(u.seq, t.as_of) <= 0) return null;
  if (!t) t = threads[id] = emptyThread(id);
  if (arrivesAsRequest(social, u, me)) {
    t.folder = 'requests';
    t.requested_by = u.actor;
  }
  const [kind, b] = Object.entries(u.body)[0];
  switch (kind) {
    case 'message_created': {
      // A folded catch-up delivers an edited message as its creation with the final text and
      // edit count; its reactions come after it as reaction_changed.
      const m = normalized({ message: b.message, sender: u.actor, time_ms: u.time_ms, text: b.text,
        reply_to: b.reply_to, edit_count: b.edit_count, attachments: b.attachments });
      if (!m.reply_to) delete m.reply_to;
      if (insertMessage(t, m) && isUnread(t, m, me)) t.unread++;
      break;
    }
    case 'message_edited': {
      // edit_count is absolute (which edit this is): a device that missed edits takes it as
      // it comes; one from an older server counts for itself.
      const m = t.messages.find((x) => x.message === b.message);
      if (m) {
        m.text = b.text;
        m.edit_count = b.edit_count ? Math.max(b.edit_count, m.edit_count || 0) : (m.edit_count || 0) + 1;
      }
      break;
    }
    case 'reaction_changed': {
      const m = t.messages.find((x) => x.message === b.message);
      if (m) setReaction(m, u.actor, b.reaction || '');
      break;
    }
    case 'message_deleted': {  // an unsend, or a delete for me (for_me): gone from this view either way
      const i = t.messages.findIndex((x) => x.message === b.message);
      if (i >= 0) {
        if (isUnread(t, t.messages[i], me)) t.unread = Math.max(0, t.unread - 1);
        t.messages.splice(i, 1);
      }
      break;
    }
    case 'read_receipt': {
      const before = t.watermarks[b.reader];
      if (before === undefined || cmpId(b.up_to, before) > 0) t.watermarks[b.reader] = b.up_to;
      if (b.reader === me) t.unread = countUnread(t, me);
      break;
    }
    case 'thread_created':
      t.name = b.name;
      t.participants = b.participants || [];
      break;
    case 'participants_changed': {
      const removed = new Set(b.removed || []);
      t.participants = t.participants.filter((p) => !removed.has(p)).concat((b.added || []).filter((p) => !t.participants.includes(p)));
      if (removed.has(me)) delete threads[id];
      break;
    }
    case 'thread_renamed':
      t.name = b.name;
      break;
    case 'folder_changed':  // moved by the user (accept, archive, unarchive), absolute
      setFolder(t, b.folder);
      if (!t.folder) delete t.requested_by;
      break;
    default:
      break;  // a kind this app does not show; the seq still advances
  }
  return id;
}

// Checks a DeltaBatch against the position held: 'apply', 'duplicate' (ends at or before
// it: acknowledge and drop) or 'gap' (resume from what is held).
export function continuity(pos, batch) {
  if (pos.epoch !== '0' && batch.epoch !== pos.epoch) return 'gap';
  if (cmpId(batch.last_seq, pos.seq) <= 0) return 'duplicate';
  if (BigInt(batch.first_seq) !== BigInt(pos.seq) + 1n) return 'gap';
  return 'apply';
}

// Outbox entries (engine.js, db.js) are sends {client_id, thread, text, attachments?,
// created, message?, seq?}, message actions {client_id, thread, action, target, text,
// created, seq?} (action: edit, unsend, delete_for_me, react; target: the message acted on)
// or social requests {client_id, social, user | thread | group_add, created, seq?}
// (social.js). `seq` is set once the server answered; `message` names a send's message then.
// isAction: anything but a send (no message of its own; its echo is known by seq).
export const isAction = (e) => !!e.action || !!e.social;

// The sends a thread still shows as pending: not yet echoed in the thread (by message id once
// the server named it), oldest first.
export function pendingOf(outbox, thread) {
  const ids = new Set(thread ? thread.messages.map((m) => m.message) : []);
  return outbox.filter((e) => !isAction(e) && e.thread === (thread && thread.thread) && !(e.message && ids.has(e.message)))
    .sort((a, b) => a.created - b.created);
}

// A message as the user sees it while actions on it wait in the outbox (or for their echo):
// the last pending edit's text, reactions as the pending ones leave them, `removing` while
// an unsend or delete for me is on its way. `pending` lists the kinds still waiting. The
// stored message is not changed: the update that comes back does that, once.
export function shownMessage(m, outbox, me) {
  const mine = outbox.filter((e) => isAction(e) && e.target === m.message).sort((a, b) => a.created - b.created);
  if (!mine.length) return m;
  const out = { ...m, pending: mine.map((e) => e.action) };
  for (const e of mine) {
    if (e.action === 'edit') out.text = e.text;
    else if (e.action === 'react') setReaction(out, me, e.text);
    else out.removing = true;
  }
  return out;
}

// Whether the server would still take an edit or unsend of `m` from `me`: one's own message,
// within the edit window (config.json's edit_window_ms; 0 turns both off; unknown, from an
// older server: offered, and the server decides).
export function canEdit(m, me, windowMs, now) {
  if (m.sender !== me) return false;
  if (windowMs === undefined || windowMs === null) return true;
  return windowMs > 0 && now - Number(m.time_ms) < windowMs;
}

// The badge: the server's pushed count while it is exact at the position held, else the sum
// of the threads' unread counts (the same figure, counted locally).
export function badgeCount(threads, pos, pushed) {
  if (pushed && pushed.epoch === pos.epoch && pushed.seq === pos.seq) return pushed.unread;
  return Object.values(threads).reduce((n, t) => n + t.unread, 0);
}

// Threads newest activity first.
export function inboxOrder(threads) {
  const last = (t) => (t.messages.length ? BigInt(t.messages[t.messages.length - 1].message) : 0n);
  return Object.values(threads).sort((a, b) => (last(b) > last(a) ? 1 : last(b) < last(a) ? -1 : cmpId(b.thread, a.thread)));
}
