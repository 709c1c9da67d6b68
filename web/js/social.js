// The user's social state (docs/PROTOCOL.md "Contacts, blocks and folders"): pure functions
// over plain objects, no DOM and no storage, so they run in node too.
//   social  { contacts: [ids], blocked: [ids] (both ascending), group_add }
//   a thread's folder: its `folder` field, absent for the inbox ('requests', 'archived')
// The state comes from the snapshot and then from the updates of the user's own queue, as
// absolute values (contact_changed, settings_changed, folder_changed): applying one twice
// changes nothing. A new thread's first folder is derived here by the server's rule, which
// appends no update for it.
import { cmpId } from './ids.js';

export const GROUP_ADDS = ['contacts', 'anyone', 'nobody'];
const USER_ACTIONS = ['add_contact', 'remove_contact', 'block', 'unblock'];
const THREAD_ACTIONS = ['accept', 'archive', 'unarchive'];
export const SOCIAL_ACTIONS = [...USER_ACTIONS, ...THREAD_ACTIONS, 'set_group_add'];
const MAX_ID = 18446744073709551615n;

export function emptySocial() { return { contacts: [], blocked: [], group_add: 'contacts' }; }

// A snapshot's social part (absent lists: none; absent setting: contacts).
export function socialFromSnapshot(snap) {
  const ids = (list) => [...new Set(list || [])].sort(cmpId);
  return { contacts: ids(snap.contacts), blocked: ids(snap.blocked), group_add: GROUP_ADDS.includes(snap.group_add) ? snap.group_add : 'contacts' };
}

export function relationOf(social, user) {
  if (social.contacts.includes(user)) return 'contact';
  return social.blocked.includes(user) ? 'blocked' : 'none';
}

// `user` becomes `relation` ('none', 'contact', 'blocked'). New arrays, never changed in
// place: a state shared with the stored copy is not touched.
export function setRelation(social, user, relation) {
  const insert = (list) => [...list, user].sort(cmpId);
  const contacts = social.contacts.filter((u) => u !== user);
  const blocked = social.blocked.filter((u) => u !== user);
  social.contacts = relation === 'contact' ? insert(contacts) : contacts;
  social.blocked = relation === 'blocked' ? insert(blocked) : blocked;
}

export const folderOf = (t) => (t && t.folder) || 'inbox';

export function setFolder(t, folder) {
  if (folder === 'requests' || folder === 'archived') t.folder = folder; else delete t.folder;
}

// Applies a contact_changed or settings_changed (thread 0: no thread holds them) to `social`.
// False for any other kind.
export function applySocialUpdate(social, u) {
  const b = u.body.contact_changed;
  if (b) {
    setRelation(social, b.user, b.relation || 'none');
    return true;
  }
  const s = u.body.settings_changed;
  if (s) {
    social.group_add = GROUP_ADDS.includes(s.group_add) ? s.group_add : 'contacts';
    return true;
  }
  return false;
}

// Whether `u` brings `me` into its thread from someone who is not `me`'s contact: a
// thread_created that lists it, or a participants_changed that adds it. Such a thread lands
// in requests (the server records the same and appends no update for it).
export function arrivesAsRequest(social, u, me) {
  if (u.actor === me) return false;
  const created = u.body.thread_created;
  const changed = u.body.participants_changed;
  const listed = (created && (created.participants || []).includes(me)) || (changed && (changed.added || []).includes(me));
  return !!listed && relationOf(social, u.actor) !== 'contact';
}

// Who a request is from: the user whose update put it there when this device saw it, else
// (a snapshot's thread) its first participant who is not `me`, the thread's owner.
export function requesterOf(t, me) {
  return t.requested_by || t.participants.find((p) => p !== me) || null;
}

const isId = (s) => typeof s === 'string' && /^(0|[1-9][0-9]{0,19})$/.test(s) && BigInt(s) <= MAX_ID;

// An outbox entry for a SocialRequest: {client_id, social: action, user | thread |
// group_add, created}. Throws on what the server would refuse as invalid_request, so
// nothing that can never pass is stored.
export function socialEntry(action, { user, thread, group_add } = {}, clientId, now, me) {
  const e = { client_id: clientId, social: action, created: now };
  if (USER_ACTIONS.includes(action)) {
    if (!isId(user) || user === '0' || BigInt(user) === MAX_ID || user === me) throw new Error(`not a user id: ${user}`);
    e.user = user;
  } else if (THREAD_ACTIONS.includes(action)) {
    if (!isId(thread) || thread === '0') throw new Error(`not a thread id: ${thread}`);
    e.thread = thread;
  } else if (action === 'set_group_add') {
    if (!GROUP_ADDS.includes(group_add)) throw new Error(`not a group-add setting: ${group_add}`);
    e.group_add = group_add;
  } else {
    throw new Error(`unknown social action ${action}`);
  }
  return e;
}

export const isSocialEntry = (e) => !!e.social;

export function socialEnvelope(e) {
  const r = { client_id: e.client_id, action: e.social };
  if (e.user) r.user = e.user;
  if (e.thread) r.thread = e.thread;
  if (e.group_add) r.group_add = e.group_add;
  return { social_request: r };
}

// The social state and folders as the user sees them while social requests wait in the
// outbox (or for their echo), oldest first, as the server will apply them: `social`, `folders`
// (thread -> folder, for the threads a pending request moves) and `pending` (users and
// threads with a request on its way). The stored state is not changed: the updates that
// come back do that, once.
export function shownSocial(social, outbox) {
  const mine = outbox.filter(isSocialEntry).sort((a, b) => a.created - b.created);
  const out = { social, folders: {}, pending: new Set() };
  if (!mine.length) return out;
  const s = { ...social };
  for (const e of mine) {
    const now = e.user && relationOf(s, e.user);
    if (e.social === 'add_contact') setRelation(s, e.user, 'contact');
    else if (e.social === 'remove_contact' && now === 'contact') setRelation(s, e.user, 'none');
    else if (e.social === 'block') setRelation(s, e.user, 'blocked');
    else if (e.social === 'unblock' && now === 'blocked') setRelation(s, e.user, 'none');
    else if (e.social === 'set_group_add') s.group_add = e.group_add;
    else if (e.thread) out.folders[e.thread] = e.social === 'archive' ? 'archived' : 'inbox';
    out.pending.add(e.user || e.thread || 'group_add');
  }
  out.social = s;
  return out;
}

// The threads of `folder` as shown (a pending move counts), in the order given, and how many
// threads each folder holds.
export function byFolder(threads, shown, folder) {
  const counts = { inbox: 0, requests: 0, archived: 0 };
  const list = [];
  for (const t of threads) {
    const f = shown.folders[t.thread] || folderOf(t);
    counts[f]++;
    if (f === folder) list.push(t);
  }
  return { list, counts };
}
