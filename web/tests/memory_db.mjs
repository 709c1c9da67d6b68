// A helper of the engine tests (engine.test.mjs, social.test.mjs), not a test file itself.
// LocalDb's contract in memory; `failNext` makes the next commit fail as a whole.
export class MemoryDb {
  constructor() { this.pos = null; this.social = null; this.threads = new Map(); this.outbox = new Map(); this.failNext = false; }
  async load() { return { pos: this.pos, social: this.social, threads: [...this.threads.values()], outbox: [...this.outbox.values()] }; }
  async commit({ pos, social, clearThreads, putThreads = [], deleteThreads = [], putOutbox = [], deleteOutbox = [] }) {
    if (this.failNext) { this.failNext = false; throw new Error('disk full'); }
    if (clearThreads) this.threads.clear();
    for (const t of putThreads) this.threads.set(t.thread, structuredClone(t));
    for (const id of deleteThreads) this.threads.delete(id);
    for (const e of putOutbox) this.outbox.set(e.client_id, structuredClone(e));
    for (const id of deleteOutbox) this.outbox.delete(id);
    if (pos) this.pos = { ...pos };
    if (social) this.social = structuredClone(social);
  }
}
