// Unit tests of the web app's pure modules (model.js, ids.js, backoff.js) under node:test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyUpdate, continuity, inboxOrder, pendingOf, threadFromSnapshot } from '../js/model.js';
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

test('reconnect waits grow to the cap with equal jitter and reset', () => {
  const b = new Backoff(100, 1000, () => 1);
  assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next()], [100, 200, 400, 800, 1000]);
  const low = new Backoff(100, 1000, () => 0);
  assert.equal(low.next(), 50);
  b.reset();
  assert.equal(b.next(), 100);
});
