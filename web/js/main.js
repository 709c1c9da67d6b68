// The web app: wires the engine, the transports and the DOM. Connection policy:
// MQTT over WebSocket first; after two failed WebSocket attempts in a row, long polling
// takes over while the WebSocket is retried in the background (backoff with jitter); the
// first WebSocket that resumes stops the polling. Both go to the user's owner, as GET
// /v1/route names it before connecting and again after a redirect or a failed connect
// (route.js), else to the page's own server.
import { Api } from './api.js';
import { attachmentOf, imageDims } from './attachments.js';
import { Backoff } from './backoff.js';
import { LocalDb } from './db.js';
import { SyncEngine } from './engine.js';
import { tokenClaims } from './ids.js';
import { badgeCount } from './model.js';
import { folderOf } from './social.js';
import { PollTransport } from './transport_poll.js';
import { addressOf, chooseEndpoints, needsNewRoute } from './route.js';
import { WsTransport } from './transport_ws.js';
import { Ui } from './ui.js';

const $ = (id) => document.getElementById(id);

// MQTT.js's browser bundle (vendor/mqtt.min.js), an async script of index.html: evaluating it
// is the largest piece of a cold start's main-thread work, so it runs while the modules load
// (docs/BENCHMARKS.md "web"). Resolves false without it.
let mqttLoaded = null;
export function loadMqtt() {
  if (!mqttLoaded) {
    mqttLoaded = new Promise((resolve) => {
      const s = document.getElementById('mqtt-lib');
      const done = () => resolve(s.dataset.state === 'loaded' && typeof mqtt !== 'undefined');
      if (s.dataset.state) return done();
      s.addEventListener('load', done);
      s.addEventListener('error', done);
    });
  }
  return mqttLoaded;
}

// A LocalDb to use at once: its reads and writes wait for the database to open.
function openingDb(name) {
  const opened = LocalDb.open(name);
  return { load: () => opened.then((db) => db.load()), commit: (change) => opened.then((db) => db.commit(change)) };
}

class App {
  constructor(token, claims) {
    this.token = token; this.me = claims.user; this.device = claims.device;
    const early = window.irisPrefetch || {};
    this.api = new Api(location.origin, token, { snapshot: early.snapshot, route: early.route });
    this.pollApi = this.api;  // the long poll's and its requests': the owner's, once routed
    this.earlyConfig = early.config;
    this.ui = new Ui(this);
    this.backoff = new Backoff(250, 10000);
    this.ws = null; this.poll = null; this.mode = 'offline'; this.wsFailures = 0;
    this.readSent = {};
  }

  async start() {
    performance.mark('iris-start');
    loadMqtt();
    // The config, the route and, for a device that holds nothing yet, the snapshot were asked
    // for by index.html before the modules loaded. The WebSocket connects as soon as it knows
    // where, while IndexedDB opens (tens of ms on a cold start, more on a loaded machine): it
    // resumes once there is a position (engine.resumePosition: the stored one, or a first
    // snapshot's while that is being stored).
    const config = (this.earlyConfig || fetch('config.json', { cache: 'no-store' }))
      .then((r) => r.json()).catch(() => ({}));
    const route = this.api.route();
    // ?max_updates=N: a smaller catch-up before a resync (a slow link; the tests force resyncs so).
    const maxUpdates = Number(new URLSearchParams(location.search).get('max_updates')) || 10000;
    const db = openingDb(`iris-${this.me}-${this.device}`);
    this.engine = new SyncEngine({ me: this.me, db, api: this.api, maxUpdates, onChange: () => this.ui.render(), onError: (e) => this.ui.error(e) });
    this.wsOverride = new URLSearchParams(location.search).get('ws');
    const connecting = Promise.all([config, route]).then(([c, r]) => {
      this.config = c;
      this.useRoute(r, null);
      this.connectWs();
    });
    await this.engine.load();  // the saved copy shows at once, marked stale until synced
    performance.mark('iris-loaded');
    this.ui.render();
    // A device that holds nothing takes its snapshot at once.
    const snapshot = this.engine.hasState ? null : this.retrySnapshot();
    await connecting;
    if (snapshot) await snapshot;
    performance.mark('iris-snapshot');
    localStorage.setItem('iris.synced', this.token);  // index.html prefetches no snapshot from now on
  }

  async retrySnapshot() {
    const wait = new Backoff(250, 5000);
    for (;;) {
      try { return await this.engine.snapshot(); } catch (e) {
        this.setMode('offline');
        await new Promise((r) => setTimeout(r, wait.next()));
      }
    }
  }

  setMode(mode) { this.mode = mode; this.ui.render(); }

  // Points the WebSocket and the long poll where `route` says (route.js), avoiding `avoid`
  // ("host:port" that just failed or redirected us); a running long poll moves along.
  useRoute(route, avoid) {
    const e = chooseEndpoints({ route, page: location, wsPort: this.config.ws_port, wsOverride: this.wsOverride, avoid });
    this.wsUrl = e.wsUrl; this.owner = e.server;
    if (e.apiBase === this.pollApi.base) return;
    this.pollApi = e.apiBase === this.api.base ? this.api : new Api(e.apiBase, this.token);
    if (this.poll) { this.stopPoll(); this.startPoll(); }
  }

  async reroute(avoid) { this.useRoute(await this.api.route(), avoid); }

  connectWs() {
    if (!this.wsUrl) return this.startPoll();
    if (this.mode !== 'poll') this.setMode('connecting');
    const ws = this.ws = new WsTransport({
      url: this.wsUrl, me: this.me, device: this.device, token: this.token, engine: this.engine, library: loadMqtt(),
      hooks: {
        onUp: () => {
          performance.mark('iris-live');
          this.wsFailures = 0; this.backoff.reset();
          this.stopPoll();
          this.setMode('live');
          this.markRead();
        },
        onDown: () => {
          if (this.ws !== ws) return;
          this.ws = null;
          if (this.mode === 'live') this.setMode('connecting');
          if (++this.wsFailures >= 2) this.startPoll();
          const again = needsNewRoute(ws) ? () => this.reroute(addressOf(ws.url)).finally(() => this.connectWs()) : () => this.connectWs();
          setTimeout(again, this.poll ? Math.max(3000, this.backoff.next()) : this.backoff.next());
        },
        onTyping: (t) => this.ui.typing(t),
      },
    });
    ws.start();
  }

  startPoll() {
    if (this.poll) return;
    const poll = this.poll = new PollTransport({
      api: this.pollApi, engine: this.engine,
      hooks: {
        onUp: () => { if (this.mode !== 'live') this.setMode('poll'); this.markRead(); },
        onDown: () => {
          if (this.mode === 'poll') this.setMode('offline');
          // The owner's address failed (down, moved, or no CORS for this page): ask again.
          if (this.poll === poll && this.pollApi !== this.api) this.reroute(addressOf(this.pollApi.base));
        },
        onTyping: (t) => this.ui.typing(t),
      },
    });
    this.poll.start();
  }

  stopPoll() {
    if (!this.poll) return;
    this.poll.stop();
    this.poll = null;
  }

  transport() { return this.mode === 'live' ? this.ws : this.poll; }

  async send(thread, text, attachments = []) {
    await this.engine.send(thread, text, attachments);
    const t = this.transport();
    if (t) t.flushOutbox();
  }

  // An edit, unsend, delete for me or reaction: into the outbox, then out like a send.
  async act(thread, message, action, text = '') {
    await this.engine.act(thread, message, action, text);
    const t = this.transport();
    if (t) t.flushOutbox();
  }

  // A contact, block, folder or group-add change (social.js's SOCIAL_ACTIONS): into the
  // outbox, then out like a send. One the server could never take is refused here.
  async social(action, args) {
    try {
      await this.engine.socialRequest(action, args);
    } catch (e) {
      return this.ui.error({ text: String(e.message || e) });
    }
    const t = this.transport();
    if (t) t.flushOutbox();
  }

  // Uploads `file` (its progress shown), then sends it with `text` as a message. A file over
  // the server's limit (config.json's max_blob_bytes) is refused before any byte is sent; the
  // server's own refusals (413, 415) are shown as they come. Until the upload is done nothing
  // is in the outbox: a reload during an upload loses the upload, not a send.
  async attach(thread, file, text = '') {
    const max = this.config && this.config.max_blob_bytes;
    const refuse = (why) => { this.ui.uploading(null); this.ui.error({ text: `${file.name}: ${why}` }); };
    if (max === 0) return refuse('this server takes no attachments');
    if (max && file.size > max) return refuse(`too large (${file.size} bytes; the limit is ${max})`);
    this.ui.uploading({ name: file.name, sent: 0, total: file.size });
    try {
      const dims = await imageDims(file);
      const up = await this.api.upload(file, (sent, total) => this.ui.uploading({ name: file.name, sent, total }));
      this.ui.uploading(null);
      await this.send(thread, text, [attachmentOf(up, file.name, dims)]);
    } catch (e) {
      const why = { 413: 'too large for the server', 415: 'a type the server does not take', 401: 'not logged in' }[e.status];
      refuse(why || `upload failed (${e.status ? `HTTP ${e.status}` : 'network'})`);
    }
  }

  // Over whichever transport is live: MQTT on the WebSocket, or POST /v1/requests while polling.
  typing(thread, active) {
    const t = this.transport();
    if (t && (this.mode === 'live' || this.mode === 'poll')) t.typing(thread, active);
  }

  // Read receipt for the open thread's newest message from someone else, once per message.
  // None while the thread is a message request: reading it tells the stranger nothing.
  markRead() {
    const id = this.ui.open;
    const t = id && this.engine.threads[id];
    if (!t || document.hidden || folderOf(t) === 'requests') return;
    const theirs = t.messages.filter((m) => m.sender !== this.me);
    if (!theirs.length) return;
    const up = theirs[theirs.length - 1].message;
    const mine = t.watermarks[this.me];
    if ((mine && BigInt(mine) >= BigInt(up)) || this.readSent[id] === up) return;
    const env = { read_request: { thread: id, up_to: up } };
    const tr = this.transport();
    if (!tr) return;
    this.readSent[id] = up;
    (this.mode === 'live' ? tr.publish(env) : tr.request(env)).catch(() => { delete this.readSent[id]; });
  }
}

function main() {
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get('token')) {
    localStorage.setItem('iris.token', hash.get('token'));
    history.replaceState(null, '', location.pathname + location.search);
  }
  const token = localStorage.getItem('iris.token');
  const claims = token && tokenClaims(token);
  if (!claims) {
    $('login').hidden = false;
    $('status').hidden = true;
    $('login').onsubmit = (ev) => {
      ev.preventDefault();
      const t = $('token').value.trim();
      if (!tokenClaims(t)) { $('login-error').textContent = 'That is not an Iris device token.'; return; }
      localStorage.setItem('iris.token', t);
      location.reload();
    };
    return;
  }
  const app = new App(token, claims);
  window.iris = app;  // for the browser tests and the console
  app.start().catch((e) => { $('error').textContent = String(e); });
}

main();

// What the browser tests compare with the server's truth: the position, every thread's
// messages (with edit counts, reactions and attachments), unread count and folder, the
// social state, the badge, the pending requests and the connection mode.
App.prototype.view = function view() {
  const e = this.engine;
  const threads = Object.values(e.threads).map((t) => ({
    thread: t.thread, name: t.name, unread: t.unread, folder: t.folder || 'inbox',
    messages: t.messages.map((m) => ({ message: m.message, sender: m.sender, text: m.text,
      edit_count: m.edit_count || 0, reactions: m.reactions || [], attachments: m.attachments || [] })),
  }));
  return { mode: this.mode, pos: e.pos, threads, social: e.social, pending: e.outbox.size, badge: badgeCount(e.threads, e.pos, e.badge), pushed_badge: e.badge };
};
