// Unit tests of the web app's pure modules (model.js, ids.js, backoff.js) under node:test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyUpdate, badgeCount, canEdit, continuity, inboxOrder, pendingOf, shownMessage, threadFromSnapshot } from '../js/model.js';
import { cmpId, newClientId, nextSeq, tokenClaims } from '../js/ids.js';
import { Backoff } from '../js/backoff.js';

const created = (seq, thread, actor, message, text, client_id = '0'.repeat(32)) =>
  ({ seq, time_ms: '1', thread, actor, body: { message_created: { message, client_id, text } } });

test('ids beyond 2^53 compare exactly as decimal strings', () => {
  assert.equal(cmpId('18446744073709551615', '18446744073709551614'), 1);
  assert.equal(cmpId('9007199254740993', '9007199254740992'), 1);
  assert.equal(nextSeq('9007199254740993'), '9007199254740994');
  assert.match(newClientId(), /^[0-9a-f]{32}$/);
});

test('a token names its user and device; anything else is not a token', () => {
  const payload = Buffer.from('42\nphone\n1999999999').toString('base64url');
  assert.deepEqual(tokenClaims(`v1.${payload}.mac`), { user: '42', device: 'phone', expires: 1999999999 });
  assert.equal(tokenClaims('nonsense'), null);
  assert.equal(tokenClaims(`v1.${Buffer.from('01\nx\n1').toString('base64url')}.m`), null);
});

test('a batch continues the position, repeats it, or leaves a gap', () => {
  const pos = { epoch: '9', seq: '5' };
  assert.equal(continuity(pos, { epoch: '9', first_seq: '6', last_seq: '8' }), 'apply');
  assert.equal(continuity(pos, { epoch: '9', first_seq: '3', last_seq: '5' }), 'duplicate');
  assert.equal(continuity(pos, { epoch: '9', first_seq: '7', last_seq: '8' }), 'gap');
  assert.equal(continuity(pos, { epoch: '8', first_seq: '6', last_seq: '8' }), 'gap');
  assert.equal(continuity({ epoch: '0', seq: '0' }, { epoch: '9', first_seq: '1', last_seq: '1' }), 'apply');
});

test('messages apply once, in id order, and count as unread until read', () => {
  const threads = {};
  applyUpdate(threads, { seq: '1', thread: '7', actor: '1', body: { thread_created: { name: 'x', participants: ['1', '2'] } } }, '1');
  applyUpdate(threads, created('3', '7', '2', '300', 'b'), '1');
  applyUpdate(threads, created('2', '7', '2', '200', 'a'), '1');
  applyUpdate(threads, created('3', '7', '2', '300', 'b'), '1');  // again: no duplicate
  applyUpdate(threads, created('4', '7', '1', '400', 'mine'), '1');
  assert.deepEqual(threads['7'].messages.map((m) => m.text), ['a', 'b', 'mine']);
  assert.equal(threads['7'].unread, 2);
  applyUpdate(threads, { seq: '5', thread: '7', actor: '1', body: { read_receipt: { reader: '1', up_to: '200' } } }, '1');
  assert.equal(threads['7'].unread, 1);
  applyUpdate(threads, { seq: '6', thread: '7', actor: '2', body: { message_edited: { message: '300', text: 'b2' } } }, '1');
  applyUpdate(threads, { seq: '7', thread: '7', actor: '2', body: { message_deleted: { message: '300' } } }, '1');
  assert.deepEqual(threads['7'].messages.map((m) => m.text), ['a', 'mine']);
  assert.equal(threads['7'].unread, 0);
  applyUpdate(threads, { seq: '8', thread: '7', actor: '2', body: { participants_changed: { added: [], removed: ['1'] } } }, '1');
  assert.equal(threads['7'], undefined);  // removed: the thread leaves the inbox
});

test('a refetched thread ignores updates its snapshot already holds', () => {
  const threads = { 7: threadFromSnapshot({ thread: '7', name: 'x', participants: ['1'], latest_messages: [{ message: '5', sender: '2', time_ms: '1', text: 'old' }], unread_count: 1, read_watermarks: [] }, '10') };
  assert.equal(applyUpdate(threads, created('9', '7', '2', '5', 'old'), '1'), null);
  assert.equal(applyUpdate(threads, created('11', '7', '2', '6', 'new'), '1'), '7');
  assert.equal(threads['7'].unread, 2);
});

test('a pending send shows until the thread holds its message', () => {
  const t = { thread: '7', messages: [{ message: '5' }] };
  const outbox = [{ client_id: 'a', thread: '7', created: 2 }, { client_id: 'b', thread: '7', created: 1, message: '5' }, { client_id: 'c', thread: '8', created: 0 }];
  assert.deepEqual(pendingOf(outbox, t).map((e) => e.client_id), ['a']);
  assert.deepEqual(inboxOrder({ 1: { thread: '1', messages: [{ message: '3' }] }, 2: { thread: '2', messages: [{ message: '9' }] } }).map((x) => x.thread), ['2', '1']);
});

const upd = (seq, actor, body) => ({ seq, time_ms: '1', thread: '7', actor, body });
const oneThread = () => {
  const threads = {};
  applyUpdate(threads, upd('1', '2', { thread_created: { name: 'x', participants: ['1', '2', '3'] } }), '1');
  applyUpdate(threads, created('2', '7', '2', '200', 'first'), '1');
  return threads;
};

test('an edit shows the final text and how many edits there were, folded or not', () => {
  const threads = oneThread();
  applyUpdate(threads, upd('3', '2', { message_edited: { message: '200', text: 'second', edit_count: 1 } }), '1');
  applyUpdate(threads, upd('4', '2', { message_edited: { message: '200', text: 'third', edit_count: 2 } }), '1');
  assert.deepEqual(threads['7'].messages[0], { message: '200', sender: '2', time_ms: '1', text: 'third', edit_count: 2 });
  // A folded catch-up skipped edits 3 and 4: the count is absolute, not added up.
  applyUpdate(threads, upd('7', '2', { message_edited: { message: '200', text: 'fifth', edit_count: 5 } }), '1');
  assert.equal(threads['7'].messages[0].edit_count, 5);
  // A folded creation carries its edits in text and count.
  applyUpdate(threads, upd('8', '2', { message_created: { message: '300', client_id: '0', text: 'final', edit_count: 3 } }), '1');
  assert.deepEqual(threads['7'].messages[1], { message: '300', sender: '2', time_ms: '1', text: 'final', edit_count: 3 });
});

test('reactions are one per user, replaced and taken back, listed by user id', () => {
  const threads = oneThread();
  applyUpdate(threads, upd('3', '3', { reaction_changed: { message: '200', reaction: '👍' } }), '1');
  applyUpdate(threads, upd('4', '1', { reaction_changed: { message: '200', reaction: '❤️' } }), '1');
  applyUpdate(threads, upd('5', '3', { reaction_changed: { message: '200', reaction: '😂' } }), '1');
  assert.deepEqual(threads['7'].messages[0].reactions, [{ user: '1', reaction: '❤️' }, { user: '3', reaction: '😂' }]);
  applyUpdate(threads, upd('6', '1', { reaction_changed: { message: '200', reaction: '' } }), '1');
  applyUpdate(threads, upd('7', '3', { reaction_changed: { message: '200' } }), '1');
  assert.equal(threads['7'].messages[0].reactions, undefined);  // as a snapshot shows none
});

test('an unsend and a delete for me take the message out of the view and the unread count', () => {
  const threads = oneThread();
  applyUpdate(threads, created('3', '7', '2', '300', 'second'), '1');
  assert.equal(threads['7'].unread, 2);
  applyUpdate(threads, upd('4', '2', { message_deleted: { message: '200' } }), '1');
  applyUpdate(threads, upd('5', '1', { message_deleted: { message: '300', for_me: true } }), '1');
  assert.deepEqual(threads['7'].messages, []);
  assert.equal(threads['7'].unread, 0);
});

test('attachments come with their message from a delta and from a snapshot', () => {
  const a = { blob: 'ab'.repeat(32), content_type: 'image/png', size: '1234', name: 'p.png', width: 64, height: 32 };
  const threads = oneThread();
  applyUpdate(threads, upd('3', '2', { message_created: { message: '300', client_id: '0', text: '', attachments: [a] } }), '1');
  assert.deepEqual(threads['7'].messages[1].attachments, [a]);
  const t = threadFromSnapshot({ thread: '7', latest_messages: [{ message: '300', sender: '2', time_ms: '1', text: '', attachments: [a], reactions: [] }] }, '0');
  assert.deepEqual(t.messages[0], { message: '300', sender: '2', time_ms: '1', text: '', attachments: [a] });
});

test('a pending edit, reaction or unsend shows over the stored message, which stays as it is', () => {
  const m = { message: '200', sender: '1', time_ms: '1', text: 'old', reactions: [{ user: '2', reaction: '👍' }] };
  const outbox = [
    { client_id: 'b', thread: '7', action: 'react', target: '200', text: '❤️', created: 2 },
    { client_id: 'a', thread: '7', action: 'edit', target: '200', text: 'new', created: 1 },
    { client_id: 'c', thread: '7', action: 'edit', target: '999', text: 'other', created: 3 },
    { client_id: 'd', thread: '7', text: 'a send', created: 4 },
  ];
  const shown = shownMessage(m, outbox, '1');
  assert.equal(shown.text, 'new');
  assert.deepEqual(shown.pending, ['edit', 'react']);
  assert.deepEqual(shown.reactions, [{ user: '1', reaction: '❤️' }, { user: '2', reaction: '👍' }]);
  assert.deepEqual(m.reactions, [{ user: '2', reaction: '👍' }]);
  assert.equal(shownMessage(m, [{ client_id: 'e', action: 'unsend', target: '200', created: 1 }], '1').removing, true);
  assert.equal(shownMessage(m, [], '1'), m);
  // Actions are not pending sends.
  assert.deepEqual(pendingOf(outbox, { thread: '7', messages: [m] }).map((e) => e.client_id), ['d']);
});

test('edit and unsend are offered for one\'s own messages within the server\'s window only', () => {
  const m = { message: '5', sender: '1', time_ms: '1000', text: 'x' };
  assert.equal(canEdit(m, '1', 60000, 60999), true);
  assert.equal(canEdit(m, '1', 60000, 61000), false);        // the window closed
  assert.equal(canEdit(m, '2', 60000, 2000), false);         // someone else's
  assert.equal(canEdit(m, '1', 0, 1000), false);             // edits off on this server
  assert.equal(canEdit(m, '1', undefined, 10 ** 12), true);  // an older server: it decides
});

test('the badge is the pushed count at the position held, else the sum of the unread counts', () => {
  const threads = { 1: { unread: 2 }, 2: { unread: 3 } };
  const pos = { epoch: '9', seq: '10' };
  assert.equal(badgeCount(threads, pos, null), 5);
  assert.equal(badgeCount(threads, pos, { epoch: '9', seq: '10', unread: 4 }), 4);
  assert.equal(badgeCount(threads, pos, { epoch: '9', seq: '8', unread: 4 }), 5);  // older than what is held
});

test('reconnect waits grow to the cap with equal jitter and reset', () => {
  const b = new Backoff(100, 1000, () => 1);
  assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next()], [100, 200, 400, 800, 1000]);
  const low = new Backoff(100, 1000, () => 0);
  assert.equal(low.next(), 50);
  b.reset();
  assert.equal(b.next(), 100);
});
