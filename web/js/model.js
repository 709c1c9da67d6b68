// The local inbox model: pure functions over plain objects, no DOM, no storage, so they run
// in node too. A thread is
//   { thread, name, participants: [ids], messages: [{message, sender, time_ms, text,
//     reply_to?}] oldest first, unread, watermarks: {reader: up_to}, as_of, more }
// `as_of`: the seq of the snapshot the thread was (re)fetched at; updates at or before it are
// already in it (a thread-scoped resync refetches one thread while the stream goes on).
import { cmpId } from './ids.js';

// Messages kept per thread locally; older ones are paged from HTTP again when wanted.
export const KEEP_MESSAGES = 2000;

export function threadFromSnapshot(ts, asOf) {
  const watermarks = {};
  for (const w of ts.read_watermarks || []) watermarks[w.reader] = w.up_to;
  return {
    thread: ts.thread, name: ts.name, participants: ts.participants || [],
    messages: (ts.latest_messages || []).map((m) => ({ ...m })),
    unread: ts.unread_count || 0, watermarks, as_of: asOf, more: true,
  };
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

// Applies one Update (JSON mapping) to `threads` (an object id -> thread), as user `me`.
// Returns the id of the thread it touched, or null when it was already applied.
export function applyUpdate(threads, u, me) {
  const id = u.thread;
  let t = threads[id];
  if (t && cmpId(u.seq, t.as_of) <= 0) return null;
  if (!t) t = threads[id] = emptyThread(id);
  const [kind, b] = Object.entries(u.body)[0];
  switch (kind) {
    case 'message_created': {
      const m = { message: b.message, sender: u.actor, time_ms: u.time_ms, text: b.text };
      if (b.reply_to) m.reply_to = b.reply_to;
      if (insertMessage(t, m) && isUnread(t, m, me)) t.unread++;
      break;
    }
    case 'message_edited': {
      const m = t.messages.find((x) => x.message === b.message);
      if (m) m.text = b.text;
      break;
    }
    case 'message_deleted': {
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

// The outbox entries a thread still shows: not yet echoed in the thread (by message id once
// the server named it), oldest first.
export function pendingOf(outbox, thread) {
  const ids = new Set(thread ? thread.messages.map((m) => m.message) : []);
  return outbox.filter((e) => e.thread === (thread && thread.thread) && !(e.message && ids.has(e.message)))
    .sort((a, b) => a.created - b.created);
}

// Threads newest activity first.
export function inboxOrder(threads) {
  const last = (t) => (t.messages.length ? BigInt(t.messages[t.messages.length - 1].message) : 0n);
  return Object.values(threads).sort((a, b) => (last(b) > last(a) ? 1 : last(b) < last(a) ? -1 : cmpId(b.thread, a.thread)));
}
