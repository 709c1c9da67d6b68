// The device's local copy in IndexedDB: one database per (user, device), three stores:
//   meta    {k: 'pos', epoch, seq}   the queue position the threads are exact at
//           {k: 'social', contacts, blocked, group_add}  the social state (social.js), same position
//   threads one record per thread (model.js)
//   outbox  {client_id, thread, text, created, message?, seq?}  sends not yet echoed
// A batch, a snapshot and the outbox changes they cause are written in ONE transaction
// with the new position, so a reload or a crash finds the old state and seq or the new
// ones, never half a batch.

function req(r) {
  return new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
}

export class LocalDb {
  static async open(name) {
    const r = indexedDB.open(name, 1);
    r.onupgradeneeded = () => {
      const db = r.result;
      db.createObjectStore('meta', { keyPath: 'k' });
      db.createObjectStore('threads', { keyPath: 'thread' });
      db.createObjectStore('outbox', { keyPath: 'client_id' });
    };
    return new LocalDb(await req(r));
  }
  constructor(db) { this.db = db; }

  async load() {
    const tx = this.db.transaction(['meta', 'threads', 'outbox'], 'readonly');
    const [pos, social, threads, outbox] = await Promise.all([
      req(tx.objectStore('meta').get('pos')), req(tx.objectStore('meta').get('social')),
      req(tx.objectStore('threads').getAll()), req(tx.objectStore('outbox').getAll())]);
    return {
      pos: pos ? { epoch: pos.epoch, seq: pos.seq, saved_at: pos.saved_at } : null, threads, outbox,
      social: social ? { contacts: social.contacts, blocked: social.blocked, group_add: social.group_add } : null,
    };
  }

  // One atomic change: `pos` and `social` (when set), threads to put / delete (or all cleared
  // first), outbox entries to put / delete.
  commit({ pos, social, clearThreads = false, putThreads = [], deleteThreads = [], putOutbox = [], deleteOutbox = [] }) {
    return new Promise((resolve, reject) => {
      const tx = this.db.transaction(['meta', 'threads', 'outbox'], 'readwrite');
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error('transaction aborted'));
      const threads = tx.objectStore('threads');
      if (clearThreads) threads.clear();
      for (const t of putThreads) threads.put(t);
      for (const id of deleteThreads) threads.delete(id);
      const outbox = tx.objectStore('outbox');
      for (const e of putOutbox) outbox.put(e);
      for (const id of deleteOutbox) outbox.delete(id);
      if (pos) tx.objectStore('meta').put({ k: 'pos', epoch: pos.epoch, seq: pos.seq, saved_at: Date.now() });
      if (social) tx.objectStore('meta').put({ k: 'social', contacts: social.contacts, blocked: social.blocked, group_add: social.group_add });
    });
  }
}
