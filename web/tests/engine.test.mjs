// Unit tests of the sync engine (engine.js) with an in-memory database and a scripted API:
// batches all or nothing, typed resyncs, the outbox shown once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SyncEngine } from '../js/engine.js';
import { MemoryDb } from './memory_db.mjs';

const snapshot = (epoch, seq, messages) => ({
  epoch, seq, threads: [{ thread: '7', name: 'x', participants: ['1', '2'], latest_messages: messages, unread_count: 0, read_watermarks: [] }],
});
const msg = (message, sender, text) => ({ message, sender, time_ms: '1', text });
const created = (seq, actor, message, text, client_id = '0'.repeat(32)) =>
  ({ seq, time_ms: '1', thread: '7', actor, body: { message_created: { message, client_id, text } } });
const batch = (epoch, first, last, updates) => ({ epoch, first_seq: first, last_seq: last, updates, folded: false });

async function engine(snap) {
  const db = new MemoryDb();
  const api = { snapshots: [snap], snapshot: async () => api.snapshots.shift() || snap };
  const e = new SyncEngine({ me: '1', db, api });
  await e.load();
  await e.snapshot();
  return { e, db, api };
}

test('a batch is stored with its seq, or not at all', async () => {
  const { e, db } = await engine(snapshot('9', '2', []));
  assert.equal(await e.delta(batch('9', '3', '3', [created('3', '2', '100', 'a')])), 'applied');
  assert.deepEqual(db.pos, { epoch: '9', seq: '3' });
  db.failNext = true;
  await assert.rejects(e.delta(batch('9', '4', '4', [created('4', '2', '101', 'b')])));
  assert.deepEqual(e.pos, { epoch: '9', seq: '3' });
  assert.deepEqual(e.threads['7'].messages.map((m) => m.text), ['a']);
  assert.deepEqual(db.threads.get('7').messages.map((m) => m.text), ['a']);
  // The same batch again (the server sends it again after the failed acknowledgement).
  assert.equal(await e.delta(batch('9', '4', '4', [created('4', '2', '101', 'b')])), 'applied');
  assert.deepEqual(db.threads.get('7').messages.map((m) => m.text), ['a', 'b']);
});

test('a repeated batch is a duplicate and a skipped one a gap', async () => {
  const { e } = await engine(snapshot('9', '2', []));
  await e.delta(batch('9', '3', '4', [created('3', '2', '100', 'a'), created('4', '2', '101', 'b')]));
  assert.equal(await e.delta(batch('9', '3', '4', [created('3', '2', '100', 'a'), created('4', '2', '101', 'b')])), 'duplicate');
  assert.equal(await e.delta(batch('9', '6', '6', [created('6', '2', '103', 'd')])), 'gap');
  assert.equal(e.threads['7'].messages.length, 2);
});

test('a send shows once: pending, named by its result, gone when its echo is stored', async () => {
  const { e, db } = await engine(snapshot('9', '2', []));
  const id = await e.send('7', 'hello');
  assert.equal(db.outbox.size, 1);
  assert.deepEqual(e.unanswered().map((x) => x.client_id), [id]);
  await e.result({ client_id: id, thread: '7', message: '200', seq: '3', time_ms: '1' });
  assert.deepEqual(e.unanswered(), []);
  assert.equal(e.outbox.size, 1);  // still shown until the echo is stored
  await e.delta(batch('9', '3', '3', [created('3', '1', '200', 'hello', id)]));
  assert.equal(e.outbox.size, 0);
  assert.equal(db.outbox.size, 0);
  assert.deepEqual(e.threads['7'].messages.map((m) => m.text), ['hello']);
});

test('an action waits in the outbox across a reload and leaves once a batch past its seq is stored', async () => {
  const { e, db, api } = await engine(snapshot('9', '2', [msg('100', '1', 'mine')]));
  const id = await e.act('7', '100', 'edit', 'mine, edited');
  assert.deepEqual(SyncEngine.sendEnvelope(e.outbox.get(id)),
    { message_action_request: { client_id: id, thread: '7', message: '100', action: 'edit', text: 'mine, edited' } });
  // A reload: a new engine over the same database still has it to send.
  const again = new SyncEngine({ me: '1', db, api });
  await again.load();
  assert.deepEqual(again.unanswered().map((x) => x.client_id), [id]);
  // Answered (the result names the edited message, which is already in the thread: that is
  // not its echo), then the batch with its update.
  await again.result({ client_id: id, thread: '7', message: '100', seq: '3', time_ms: '1' });
  assert.equal(again.outbox.size, 1);
  assert.deepEqual(again.unanswered(), []);
  await again.delta(batch('9', '3', '3', [{ seq: '3', time_ms: '1', thread: '7', actor: '1', body: { message_edited: { message: '100', text: 'mine, edited', edit_count: 1 } } }]));
  assert.equal(again.outbox.size, 0);
  assert.equal(db.outbox.size, 0);
  assert.equal(again.threads['7'].messages[0].text, 'mine, edited');
  assert.throws(() => again.act('7', '100', 'explode'));
});

test('an edit too late or of an unknown message is final: dropped and reported', async () => {
  const errors = [];
  const { e } = await engine(snapshot('9', '2', [msg('100', '1', 'mine')]));
  e.onError = (err) => errors.push(err.code);
  const late = await e.act('7', '100', 'edit', 'x');
  const gone = await e.act('7', '100', 'unsend');
  await e.error({ client_id: late, code: 'too_late', text: '' });
  await e.error({ client_id: gone, code: 'unknown_message', text: '' });
  assert.equal(e.outbox.size, 0);
  assert.deepEqual(errors, ['too_late', 'unknown_message']);
});

test('a send with attachments carries them; a pushed badge is kept in order', async () => {
  const { e } = await engine(snapshot('9', '2', []));
  const a = { blob: 'cd'.repeat(32), content_type: 'text/plain', size: '5', name: 'a.txt' };
  const id = await e.send('7', 'see file', [a]);
  assert.deepEqual(SyncEngine.sendEnvelope(e.outbox.get(id)), { send_request: { client_id: id, thread: '7', body: 'see file', attachments: [a] } });
  await e.setBadge({ unread: 3, unread_threads: 1, epoch: '9', seq: '2' });
  assert.equal(e.badge.unread, 3);
  assert.equal(e.stats.badges, 1);
});

test('a cold start resumes from its snapshot while it is stored, and waits again if storing fails', async () => {
  const db = new MemoryDb();
  let release;
  const commit = db.commit.bind(db);
  db.commit = async (c) => { if (c.clearThreads) await new Promise((r) => { release = r; }); return commit(c); };
  const api = { snapshot: async () => snapshot('9', '5', [msg('100', '2', 'a')]) };
  const e = new SyncEngine({ me: '1', db, api });
  await e.load();
  const first = e.snapshot();
  assert.deepEqual(await e.resumePosition(), { epoch: '9', seq: '5' });  // before the commit ends
  assert.deepEqual(e.threads['7'].messages.map((m) => m.text), ['a']);  // drawn already
  assert.equal(db.pos, null);
  // A batch from there waits for the snapshot to be stored, then applies.
  const applied = e.delta(batch('9', '6', '6', [created('6', '2', '101', 'b')]));
  release();
  await first;
  assert.equal(await applied, 'applied');
  assert.deepEqual(db.pos, { epoch: '9', seq: '6' });
  // A cold start whose commit fails: nothing to resume from until the retry is stored.
  const db2 = new MemoryDb();
  db2.failNext = true;
  const e2 = new SyncEngine({ me: '1', db: db2, api });
  await e2.load();
  await assert.rejects(e2.snapshot());
  let resumed = null;
  e2.resumePosition().then((p) => { resumed = p; });
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(resumed, null);
  assert.deepEqual(e2.threads, {});
  await e2.snapshot();
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(resumed, { epoch: '9', seq: '5' });
});

test('a final error drops the send, a retryable one keeps it', async () => {
  const { e } = await engine(snapshot('9', '2', []));
  const a = await e.send('7', 'a');
  const b = await e.send('7', 'b');
  await e.error({ client_id: a, code: 'rate_limited', text: '' });
  await e.error({ client_id: b, code: 'not_participant', text: '' });
  assert.deepEqual([...e.outbox.keys()], [a]);
});

test('a full resync replaces the state from a snapshot and keeps the outbox', async () => {
  const { e, api } = await engine(snapshot('9', '2', [msg('100', '2', 'old')]));
  const id = await e.send('7', 'pending');
  api.snapshots.push(snapshot('10', '50', [msg('300', '2', 'new')]));
  assert.equal(await e.resync({ reason: 'epoch_changed', epoch: '10', head: '50' }), 'resume');
  assert.deepEqual(e.pos, { epoch: '10', seq: '50' });
  assert.deepEqual(e.threads['7'].messages.map((m) => m.text), ['new']);
  assert.ok(e.outbox.has(id));
  assert.deepEqual(await e.resync({ reason: 'temporary', epoch: '10', head: '50', retry_after_ms: 1500 }), { retryAfterMs: 1500 });
});

test('a thread-scoped resync refetches that thread and skips what its snapshot holds', async () => {
  const { e, api } = await engine(snapshot('9', '2', []));
  api.snapshots.push(snapshot('9', '20', [msg('100', '2', 'kept'), msg('101', '2', 'refetched')]));
  assert.equal(await e.resync({ reason: 'backlog_too_large', epoch: '9', head: '20', thread: '7' }), 'continue');
  assert.deepEqual(e.pos, { epoch: '9', seq: '2' });  // the stream goes on from here
  await e.delta(batch('9', '3', '21', [created('15', '2', '101', 'refetched'), created('21', '2', '102', 'after')]));
  assert.deepEqual(e.threads['7'].messages.map((m) => m.text), ['kept', 'refetched', 'after']);
  assert.deepEqual(e.pos, { epoch: '9', seq: '21' });
});
