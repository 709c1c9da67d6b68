// SyncEngine: the device's sync state machine, whatever carries the envelopes (MQTT over
// WebSocket or long polling). It holds the threads, the position and the outbox, in memory
// and in IndexedDB, and applies every change in one serialized queue, so two transports or
// a user's click never interleave halfway through a batch.
//
// The reference behaviour is the C++ SDK's (docs/CLIENT.md "What the SDK guarantees"):
// continuity checked per batch; resyncs typed; the outbox persistent and shown once.
import { applyUpdate, continuity, isAction, normalized, threadFromSnapshot } from './model.js';
import { emptySocial, isSocialEntry, socialEntry, socialEnvelope, socialFromSnapshot } from './social.js';
import { cmpId, newClientId } from './ids.js';

// Error codes after which a request will never pass (docs/PROTOCOL.md "Error").
const FINAL = new Set(['not_participant', 'too_large', 'bad_encoding', 'unknown_thread', 'invalid_request', 'queue_full',
  'forbidden', 'too_late', 'unknown_message', 'not_accepted']);

export const ACTIONS = ['edit', 'unsend', 'delete_for_me', 'react'];

export class SyncEngine {
  // `maxUpdates`: the largest backlog taken as deltas on a resume (more: a resync).
  constructor({ me, db, api, onChange = () => {}, onError = () => {}, maxUpdates = 10000 }) {
    this.me = me; this.db = db; this.api = api; this.onChange = onChange; this.onError = onError;
    this.maxUpdates = maxUpdates;
    this.pos = { epoch: '0', seq: '0' };
    this.threads = {};
    this.social = emptySocial();  // contacts, blocked, group_add (social.js), exact at this.pos
    this.outbox = new Map();
    this.queue = Promise.resolve();
    this.savedAt = null;       // when the local copy was last written (stale display)
    this.hasState = false;     // a snapshot was applied once (locally or now)
    this.ready = new Promise((resolve) => { this.becameReady = resolve; });  // resolves once there is a position to resume from
    this.coldStart = null;     // a first snapshot's position while its commit runs (resumePosition)
    this.badge = null;         // the last pushed Badge (not stored: the threads' counts are)
    this.stats = { batches: 0, updates: 0, apply_ms: 0, store_ms: 0, badges: 0, resyncs: { full: 0, thread: 0, temporary: 0 } };  // for the console and the benchmark
  }

  // Runs `fn` after everything queued before it; its result, or its error, is returned.
  run(fn) {
    const p = this.queue.then(fn);
    this.queue = p.catch(() => {});
    return p;
  }

  async load() {
    const s = await this.db.load();
    for (const t of s.threads) this.threads[t.thread] = t;
    for (const e of s.outbox) this.outbox.set(e.client_id, e);
    if (s.social) this.social = s.social;
    // A copy stored before the app kept the social state (protocol version 5) has none, and
    // its threads no folders: its position is not resumed from; a snapshot brings both.
    if (s.pos && s.social) { this.pos = { epoch: s.pos.epoch, seq: s.pos.seq }; this.savedAt = s.pos.saved_at; this.hasState = true; this.becameReady(); }
    this.onChange();
  }

  // The position a transport resumes from, once there is one: the stored one, or on a cold
  // start the first snapshot's as soon as it is fetched. That snapshot's commit runs first in
  // the queue, so no batch is applied (or acknowledged) before it is stored; if the commit
  // fails, the engine's position is still the old one, the next batch is a gap, and the
  // transport waits here again for the snapshot that is retried.
  async resumePosition() {
    for (;;) {
      await this.ready;
      if (this.coldStart || this.hasState) return this.coldStart || this.pos;
    }
  }

  // A full snapshot replaces the local threads (the outbox stays: it is what the server has
  // not confirmed yet), in one transaction with its position. On a cold start (nothing stored
  // yet) the inbox is drawn and the transports resume while that transaction runs: the
  // critical path of a first load is then the fetch, not the fetch and the write.
  snapshot() {
    return this.run(async () => {
      const snap = await this.api.snapshot();
      performance.mark('iris-snapshot-parsed');
      const threads = {};
      for (const ts of snap.threads) threads[ts.thread] = threadFromSnapshot(ts, '0');
      const social = socialFromSnapshot(snap);
      const done = this.echoed(threads, snap.seq);
      const cold = !this.hasState;
      if (cold) {
        this.threads = threads;
        this.social = social;
        this.coldStart = { epoch: snap.epoch, seq: snap.seq };
        this.becameReady();
        this.onChange();
      }
      try {
        await this.db.commit({ pos: { epoch: snap.epoch, seq: snap.seq }, clearThreads: true, putThreads: Object.values(threads), deleteOutbox: done, social });
      } catch (e) {
        if (cold) {
          this.coldStart = null;
          this.threads = {};
          this.social = emptySocial();
          this.ready = new Promise((resolve) => { this.becameReady = resolve; });
          this.onChange();
        }
        throw e;
      }
      this.coldStart = null;
      this.threads = threads;
      this.social = social;
      for (const id of done) this.outbox.delete(id);
      this.pos = { epoch: snap.epoch, seq: snap.seq };
      this.savedAt = Date.now();
      this.hasState = true;
      this.becameReady();
      this.onChange();
    });
  }

  // Outbox entries the state at `seq` shows: a send whose message is in a thread, or any
  // request whose update's seq is at or before `seq` (an echo folded away; an action's
  // update carries no client id, so its seq is how it is recognized).
  echoed(threads, seq) {
    const out = [];
    for (const e of this.outbox.values()) {
      const t = threads[e.thread];
      const shown = !isAction(e) && e.message && t && t.messages.some((m) => m.message === e.message);
      if (shown || (e.seq && cmpId(e.seq, seq) <= 0)) out.push(e.client_id);
    }
    return out;
  }

  // A DeltaBatch: 'applied', 'duplicate' (acknowledge, nothing to do) or 'gap' (the
  // transport resumes from this.pos). Resolves once the batch is stored.
  delta(batch) {
    return this.run(async () => {
      const verdict = continuity(this.pos, batch);
      if (verdict !== 'apply') return verdict === 'gap' ? 'gap' : 'duplicate';
      const t0 = performance.now();
      const threads = { ...this.threads };
      const social = { ...this.social };  // its lists are replaced, never changed in place
      const touched = new Set();
      const gone = new Set();
      const echoes = [];
      const copied = new Set();  // each touched thread copied once per batch, not per update
      for (const u of batch.updates) {
        if (threads[u.thread] && !copied.has(u.thread)) {
          threads[u.thread] = structuredClone(threads[u.thread]);
          copied.add(u.thread);
        }
        const id = applyUpdate(threads, u, this.me, social);
        if (id === null) continue;
        if (threads[id]) touched.add(id); else { gone.add(id); touched.delete(id); }
        const mc = u.body.message_created;
        if (mc && u.actor === this.me && this.outbox.has(mc.client_id)) echoes.push(mc.client_id);
      }
      const done = [...new Set(echoes.concat(this.echoed(threads, batch.last_seq)))];
      const pos = { epoch: batch.epoch, seq: batch.last_seq };
      const t1 = performance.now();
      const socialChanged = social.contacts !== this.social.contacts || social.blocked !== this.social.blocked || social.group_add !== this.social.group_add;
      await this.db.commit({ pos, putThreads: [...touched].map((id) => threads[id]), deleteThreads: [...gone], deleteOutbox: done, social: socialChanged ? social : undefined });
      this.stats.batches++;
      this.stats.updates += batch.updates.length;
      this.stats.apply_ms += t1 - t0;
      this.stats.store_ms += performance.now() - t1;
      this.threads = threads;
      this.social = social;
      this.pos = pos;
      this.savedAt = Date.now();
      for (const id of done) this.outbox.delete(id);
      this.onChange();
      return 'applied';
    });
  }

  // A Resync: resolves to {retryAfterMs} for `temporary`, else 'resume' once the state was
  // refetched (a full snapshot, or the one thread it names while the stream goes on).
  async resync(r) {
    this.stats.resyncs[r.reason === 'temporary' ? 'temporary' : r.thread ? 'thread' : 'full']++;
    if (r.reason === 'temporary') return { retryAfterMs: r.retry_after_ms || 1000 };
    if (!r.thread) {
      await this.snapshot();
      return 'resume';
    }
    await this.run(async () => {
      const snap = await this.api.snapshot();
      const ts = snap.threads.find((t) => t.thread === r.thread);
      const threads = { ...this.threads };
      if (ts) threads[r.thread] = threadFromSnapshot(ts, snap.seq); else delete threads[r.thread];
      await this.db.commit(ts ? { putThreads: [threads[r.thread]] } : { deleteThreads: [r.thread] });
      this.threads = threads;
      this.onChange();
    });
    return 'continue';
  }

  // Stores a send (with the attachments already uploaded, as POST /v1/blobs answered them)
  // in the outbox before anything else; the transports send it (again) until the server
  // answers. Returns its client id.
  send(thread, text, attachments = []) {
    const e = { client_id: newClientId(), thread, text, created: Date.now() };
    if (attachments.length) e.attachments = attachments;
    return this.queueRequest(e);
  }

  // An edit, unsend, delete for me or reaction (`text`: the new text, or the reaction, empty
  // to take it back) of message `target`: kept in the outbox exactly as a send (it survives
  // a reload; retries carry its client id, so the server applies it once).
  act(thread, target, action, text = '') {
    if (!ACTIONS.includes(action)) throw new Error(`unknown action ${action}`);
    return this.queueRequest({ client_id: newClientId(), thread, action, target, text, created: Date.now() });
  }

  // A contact, block, folder or group-add change (docs/PROTOCOL.md "Contacts, blocks and
  // folders"): `action` one of social.js's SOCIAL_ACTIONS, on `user`, `thread` or
  // `group_add`. Kept in the outbox exactly as a send; refused here (throws) when the server
  // could never take it.
  socialRequest(action, args) {
    return this.queueRequest(socialEntry(action, args, newClientId(), Date.now(), this.me));
  }

  queueRequest(e) {
    return this.run(async () => {
      await this.db.commit({ putOutbox: [e] });
      this.outbox.set(e.client_id, e);
      this.onChange();
      return e.client_id;
    });
  }

  // Outbox entries the server has not answered: what a transport sends after it resumed.
  unanswered() { return [...this.outbox.values()].filter((e) => !e.seq).sort((a, b) => a.created - b.created); }

  static sendEnvelope(e) {
    if (isSocialEntry(e)) return socialEnvelope(e);
    if (isAction(e)) {
      return { message_action_request: { client_id: e.client_id, thread: e.thread, message: e.target, action: e.action, text: e.text } };
    }
    const r = { client_id: e.client_id, thread: e.thread, body: e.text };
    if (e.attachments) r.attachments = e.attachments;
    return { send_request: r };
  }

  // A pushed Badge (docs/PROTOCOL.md "Badge"), in order after the batches before it.
  setBadge(b) {
    return this.run(async () => {
      this.badge = b;
      this.stats.badges++;
      this.onChange();
    });
  }

  // A SendResult: the entry stays, named by its message, until its echo is applied. A social
  // request's result names no message, only the seq of its update.
  result(r) {
    return this.run(async () => {
      const e = this.outbox.get(r.client_id);
      if (!e || !(r.message || (isSocialEntry(e) && r.seq))) return;
      const named = isAction(e) ? { ...e, seq: r.seq } : { ...e, message: r.message, seq: r.seq };
      const t = this.threads[e.thread];
      // Already applied (or folded away): a batch at or past its seq is stored.
      const seen = (!isAction(e) && t && t.messages.some((m) => m.message === r.message)) || cmpId(r.seq, this.pos.seq) <= 0;
      if (seen) {
        await this.db.commit({ deleteOutbox: [e.client_id] });
        this.outbox.delete(e.client_id);
      } else {
        await this.db.commit({ putOutbox: [named] });
        this.outbox.set(e.client_id, named);
      }
      this.onChange();
    });
  }

  // An Error for a request: a final one drops the outbox entry and is reported; others
  // (unavailable, rate_limited, internal) keep it for the next attempt.
  error(err) {
    return this.run(async () => {
      if (err.client_id && this.outbox.has(err.client_id) && FINAL.has(err.code)) {
        await this.db.commit({ deleteOutbox: [err.client_id] });
        this.outbox.delete(err.client_id);
      }
      this.onError(err);
      this.onChange();
    });
  }

  // Older messages of a thread from HTTP, kept in memory and IndexedDB.
  older(thread) {
    return this.run(async () => {
      const t = this.threads[thread];
      if (!t) return;
      const before = t.messages.length ? t.messages[0].message : undefined;
      const page = await this.api.threadPage(thread, before);
      const copy = structuredClone(t);
      const have = new Set(copy.messages.map((m) => m.message));
      copy.messages = page.messages.filter((m) => !have.has(m.message)).map(normalized).concat(copy.messages);
      copy.more = !!page.more;
      await this.db.commit({ putThreads: [copy] });
      this.threads = { ...this.threads, [thread]: copy };
      this.onChange();
    });
  }
}
