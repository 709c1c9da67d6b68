// Unit tests of the social state (social.js) as the model and the engine fold it: contacts,
// blocks and the group-add setting from the snapshot and the user's own updates, the
// requests folder derived for a stranger's thread, moves by folder_changed, and social
// requests kept in the outbox like sends and shown before their echo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyUpdate, pendingOf, threadFromSnapshot } from '../js/model.js';
import { byFolder, emptySocial, folderOf, requesterOf, shownSocial, socialEntry, socialFromSnapshot } from '../js/social.js';
import { SyncEngine } from '../js/engine.js';
import { MemoryDb } from './memory_db.mjs';

const upd = (seq, thread, actor, body) => ({ seq, time_ms: '1', thread, actor, body });
const contact = (seq, user, relation) => upd(seq, '0', '1', { contact_changed: { user, relation } });
const createdBy = (seq, thread, actor, participants) => upd(seq, thread, actor, { thread_created: { name: 'x', participants } });

test('the snapshot\'s social part is the state: sorted lists, the setting, each thread\'s folder', () => {
  const s = socialFromSnapshot({ contacts: ['10', '9'], blocked: ['18446744073709551614'], group_add: 'nobody', threads: [] });
  assert.deepEqual(s, { contacts: ['9', '10'], blocked: ['18446744073709551614'], group_add: 'nobody' });
  assert.deepEqual(socialFromSnapshot({ threads: [] }), emptySocial());
  const t = threadFromSnapshot({ thread: '7', name: 'x', participants: ['5', '1'], latest_messages: [], read_watermarks: [], folder: 'requests' }, '0');
  assert.equal(folderOf(t), 'requests');
  assert.equal(folderOf(threadFromSnapshot({ thread: '8', participants: [], latest_messages: [] }, '0')), 'inbox');
  assert.equal(requesterOf(t, '1'), '5');
});

test('contact and settings changes are absolute, touch no thread, and applying them again changes nothing', () => {
  const threads = {};
  const social = emptySocial();
  assert.equal(applyUpdate(threads, contact('1', '5', 'contact'), '1', social), null);
  assert.equal(applyUpdate(threads, contact('2', '6', 'blocked'), '1', social), null);
  assert.equal(applyUpdate(threads, contact('3', '6', 'contact'), '1', social), null);  // a block lifted by an add
  applyUpdate(threads, contact('4', '5', 'none'), '1', social);
  applyUpdate(threads, contact('4', '5', 'none'), '1', social);
  applyUpdate(threads, upd('5', '0', '1', { settings_changed: { group_add: 'anyone' } }), '1', social);
  assert.deepEqual(social, { contacts: ['6'], blocked: [], group_add: 'anyone' });
  assert.deepEqual(threads, {});  // no thread 0
});

test('a thread from a stranger lands in requests, one from a contact or one\'s own in the inbox', () => {
  const threads = {};
  const social = { contacts: ['5'], blocked: [], group_add: 'contacts' };
  applyUpdate(threads, createdBy('1', '70', '9', ['9', '1']), '1', social);
  applyUpdate(threads, createdBy('2', '71', '5', ['5', '1']), '1', social);
  applyUpdate(threads, createdBy('3', '72', '1', ['1', '9']), '1', social);
  // Added to a group by a stranger: requests too; by a contact: where it was.
  applyUpdate(threads, upd('4', '73', '9', { participants_changed: { added: ['1'], removed: [] } }), '1', social);
  applyUpdate(threads, upd('5', '74', '5', { participants_changed: { added: ['1', '3'], removed: [] } }), '1', social);
  // Someone else added to a thread the user is in already: no move.
  applyUpdate(threads, upd('6', '71', '9', { participants_changed: { added: ['3'], removed: [] } }), '1', social);
  assert.deepEqual(Object.values(threads).map((t) => [t.thread, folderOf(t)]),
    [['70', 'requests'], ['71', 'inbox'], ['72', 'inbox'], ['73', 'requests'], ['74', 'inbox']]);
  assert.equal(requesterOf(threads['70'], '1'), '9');
  // Messages in a request count as unread as anywhere else.
  applyUpdate(threads, upd('7', '70', '9', { message_created: { message: '100', client_id: '0'.repeat(32), text: 'hi' } }), '1', social);
  assert.equal(threads['70'].unread, 1);
});

test('a contact added earlier in the same batch decides the folder of the thread after it', () => {
  const threads = {};
  const social = emptySocial();
  applyUpdate(threads, contact('1', '9', 'contact'), '1', social);
  applyUpdate(threads, createdBy('2', '70', '9', ['9', '1']), '1', social);
  assert.equal(folderOf(threads['70']), 'inbox');
});

test('folder_changed moves a thread (accept, archive, unarchive), absolute', () => {
  const threads = {};
  const social = emptySocial();
  applyUpdate(threads, createdBy('1', '70', '9', ['9', '1']), '1', social);
  applyUpdate(threads, upd('2', '70', '1', { folder_changed: { folder: 'inbox' } }), '1', social);
  assert.equal(folderOf(threads['70']), 'inbox');
  assert.equal(threads['70'].requested_by, undefined);
  applyUpdate(threads, upd('3', '70', '1', { folder_changed: { folder: 'archived' } }), '1', social);
  applyUpdate(threads, upd('4', '70', '1', { folder_changed: { folder: 'archived' } }), '1', social);
  assert.equal(folderOf(threads['70']), 'archived');
  // A refetched thread (thread-scoped resync) skips the moves its snapshot holds.
  threads['70'] = threadFromSnapshot({ thread: '70', name: 'x', participants: ['9', '1'], latest_messages: [], folder: 'archived' }, '10');
  assert.equal(applyUpdate(threads, upd('9', '70', '1', { folder_changed: { folder: 'inbox' } }), '1', social), null);
  assert.equal(folderOf(threads['70']), 'archived');
});

test('a social request is checked before it is stored: ids, the user itself, the setting', () => {
  assert.deepEqual(socialEntry('add_contact', { user: '5' }, 'c', 1, '1'), { client_id: 'c', social: 'add_contact', created: 1, user: '5' });
  assert.deepEqual(socialEntry('accept', { thread: '70' }, 'c', 1, '1'), { client_id: 'c', social: 'accept', created: 1, thread: '70' });
  assert.deepEqual(socialEntry('set_group_add', { group_add: 'nobody' }, 'c', 1, '1'), { client_id: 'c', social: 'set_group_add', created: 1, group_add: 'nobody' });
  for (const user of ['0', '1', '05', '-3', '18446744073709551615', '18446744073709551616', 'x', undefined]) {
    assert.throws(() => socialEntry('block', { user }, 'c', 1, '1'), undefined, user);
  }
  assert.throws(() => socialEntry('archive', { thread: '0' }, 'c', 1, '1'));
  assert.throws(() => socialEntry('set_group_add', { group_add: 'everyone' }, 'c', 1, '1'));
  assert.throws(() => socialEntry('befriend', { user: '5' }, 'c', 1, '1'));
});

test('pending social requests show over the stored state in order, without changing it', () => {
  const social = { contacts: ['5'], blocked: ['6'], group_add: 'contacts' };
  const outbox = [
    { client_id: 'b', social: 'block', user: '5', created: 2 },
    { client_id: 'a', social: 'add_contact', user: '7', created: 1 },
    { client_id: 'c', social: 'remove_contact', user: '6', created: 3 },  // a blocked user stays blocked
    { client_id: 'd', social: 'accept', thread: '70', created: 4 },
    { client_id: 'e', social: 'archive', thread: '71', created: 5 },
    { client_id: 'f', social: 'set_group_add', group_add: 'anyone', created: 6 },
    { client_id: 'g', thread: '70', text: 'a send', created: 7 },
  ];
  const shown = shownSocial(social, outbox);
  assert.deepEqual(shown.social, { contacts: ['7'], blocked: ['5', '6'], group_add: 'anyone' });
  assert.deepEqual(shown.folders, { 70: 'inbox', 71: 'archived' });
  assert.deepEqual([...shown.pending].sort(), ['5', '6', '7', '70', '71', 'group_add']);
  assert.deepEqual(social, { contacts: ['5'], blocked: ['6'], group_add: 'contacts' });
  const threads = [{ thread: '70', folder: 'requests' }, { thread: '71' }, { thread: '72', folder: 'requests' }];
  const inbox = byFolder(threads, shown, 'inbox');
  assert.deepEqual(inbox.list.map((t) => t.thread), ['70']);
  assert.deepEqual(inbox.counts, { inbox: 1, requests: 1, archived: 1 });
  // A social request is not a pending send of the thread it moves.
  assert.deepEqual(pendingOf(outbox, { thread: '70', messages: [] }).map((e) => e.client_id), ['g']);
});

const snapshot = (extra = {}) => ({ epoch: '9', seq: '2', threads: [{ thread: '70', name: 'x', participants: ['9', '1'], latest_messages: [], unread_count: 0, read_watermarks: [], folder: 'requests' }], ...extra });
const batch = (first, last, updates) => ({ epoch: '9', first_seq: first, last_seq: last, updates, folded: false });

async function engine(snap) {
  const db = new MemoryDb();
  const api = { snapshot: async () => snap };
  const e = new SyncEngine({ me: '1', db, api });
  await e.load();
  await e.snapshot();
  return { e, db, api };
}

test('the engine stores the snapshot\'s social state and each change with the batch that carries it', async () => {
  const { e, db, api } = await engine(snapshot({ contacts: ['5'], group_add: 'anyone' }));
  assert.deepEqual(db.social, { contacts: ['5'], blocked: [], group_add: 'anyone' });
  assert.equal(folderOf(db.threads.get('70')), 'requests');
  db.failNext = true;
  await assert.rejects(e.delta(batch('3', '3', [contact('3', '9', 'blocked')])));
  assert.deepEqual(e.social.blocked, []);  // all or nothing, the state with the batch
  await e.delta(batch('3', '4', [contact('3', '9', 'blocked'), upd('4', '70', '1', { folder_changed: { folder: 'archived' } })]));
  assert.deepEqual(db.social, { contacts: ['5'], blocked: ['9'], group_add: 'anyone' });
  assert.equal(folderOf(db.threads.get('70')), 'archived');
  assert.equal(db.threads.get('0'), undefined);
  // A reload finds the same state.
  const again = new SyncEngine({ me: '1', db, api });
  await again.load();
  assert.deepEqual(again.social, e.social);
  assert.equal(again.hasState, true);
});

test('a copy stored without the social state is not resumed from: a snapshot brings it', async () => {
  const db = new MemoryDb();
  db.pos = { epoch: '9', seq: '2' };
  db.threads.set('70', { thread: '70', name: 'x', participants: ['9', '1'], messages: [], unread: 0, watermarks: {}, as_of: '0', more: true });
  const e = new SyncEngine({ me: '1', db, api: { snapshot: async () => snapshot() } });
  await e.load();
  assert.equal(e.hasState, false);
  assert.deepEqual(Object.keys(e.threads), ['70']);  // still shown meanwhile
  await e.snapshot();
  assert.equal(folderOf(e.threads['70']), 'requests');
  assert.deepEqual(db.social, emptySocial());
});

test('a social request waits in the outbox across a reload, goes out as a social_request, and leaves with its echo', async () => {
  const { e, db, api } = await engine(snapshot());
  const accept = await e.socialRequest('accept', { thread: '70' });
  const block = await e.socialRequest('block', { user: '9' });
  assert.throws(() => e.socialRequest('block', { user: '1' }));  // oneself: never stored
  assert.deepEqual(SyncEngine.sendEnvelope(e.outbox.get(accept)), { social_request: { client_id: accept, action: 'accept', thread: '70' } });
  assert.deepEqual(SyncEngine.sendEnvelope(e.outbox.get(block)), { social_request: { client_id: block, action: 'block', user: '9' } });
  const again = new SyncEngine({ me: '1', db, api });
  await again.load();
  assert.deepEqual(again.unanswered().map((x) => x.client_id), [accept, block]);
  // Answered with no message (a social request has none), then echoed by seq.
  await again.result({ client_id: accept, thread: '70', seq: '3', time_ms: '1' });
  await again.result({ client_id: block, thread: '0', seq: '4', time_ms: '1' });
  assert.deepEqual(again.unanswered(), []);
  assert.equal(again.outbox.size, 2);
  await again.delta(batch('3', '4', [upd('3', '70', '1', { folder_changed: { folder: 'inbox' } }), contact('4', '9', 'blocked')]));
  assert.equal(again.outbox.size, 0);
  assert.equal(db.outbox.size, 0);
  assert.equal(folderOf(again.threads['70']), 'inbox');
  assert.deepEqual(again.social.blocked, ['9']);
});

test('a refusal of a send by someone who does not accept it is final', async () => {
  const errors = [];
  const { e } = await engine(snapshot());
  e.onError = (err) => errors.push(err.code);
  const id = await e.send('70', 'hello?');
  await e.error({ client_id: id, code: 'not_accepted', text: 'not accepted by a recipient' });
  assert.equal(e.outbox.size, 0);
  assert.deepEqual(errors, ['not_accepted']);
});
