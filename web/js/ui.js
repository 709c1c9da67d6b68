// The DOM: inbox, open thread (its messages, then its pending sends), typing, read
// receipts, and the connection state. Renders are coalesced to one per animation frame.
import { inboxOrder, pendingOf } from './model.js';

const $ = (id) => document.getElementById(id);
const TYPING_SHOWN_MS = 6000;

export class Ui {
  constructor(app) {
    this.app = app; this.open = null; this.scheduled = false; this.typers = {}; this.typingSent = 0;
    $('app').hidden = false;
    $('whoami').textContent = `user ${app.me} · ${app.device}`;
    $('logout').hidden = false;
    $('logout').onclick = () => { localStorage.removeItem('iris.token'); location.reload(); };
    $('compose').onsubmit = (ev) => {
      ev.preventDefault();
      const text = $('text').value;
      if (!text.trim() || !this.open) return;
      $('text').value = '';
      this.app.typing(this.open, false);
      this.typingSent = 0;
      this.app.send(this.open, text);
    };
    $('text').oninput = () => {
      if (!this.open || Date.now() - this.typingSent < 3000) return;
      this.typingSent = Date.now();
      this.app.typing(this.open, true);
    };
    $('older').onclick = () => this.app.engine.older(this.open).catch((e) => this.error({ text: String(e) }));
    document.addEventListener('visibilitychange', () => this.app.markRead());
    setInterval(() => this.render(), 1000);  // typing indicators fade, "saved at" ages
  }

  render() {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => { this.scheduled = false; this.draw(); });
  }

  error(e) { $('error').textContent = e.text || e.code || String(e); }

  typing(t) {
    if (t.user === this.app.me) return;
    const key = `${t.thread}/${t.user}`;
    if (t.active) this.typers[key] = Date.now(); else delete this.typers[key];
    this.render();
  }

  status() {
    const e = this.app.engine;
    const mode = this.app.mode;
    if (mode === 'live') return ['live', 'Live'];
    if (mode === 'poll') return ['poll', 'Live (long polling: WebSocket unavailable)'];
    const saved = e && e.savedAt ? ` — showing what this device saved at ${new Date(e.savedAt).toLocaleTimeString()}` : '';
    if (mode === 'connecting') return ['connecting', `Connecting…${saved}`];
    return ['offline', `Offline${saved}`];
  }

  draw() {
    const e = this.app.engine;
    const [cls, text] = this.status();
    $('status').className = `status ${cls}`;
    $('status').textContent = text;
    document.body.dataset.mode = this.app.mode;
    if (!e) return;
    const threads = inboxOrder(e.threads);
    $('inbox-empty').hidden = threads.length > 0 || !e.hasState;
    const ul = $('inbox');
    ul.replaceChildren(...threads.map((t) => {
      const li = document.createElement('li');
      li.dataset.thread = t.thread;
      li.className = t.thread === this.open ? 'open' : '';
      const name = document.createElement('span');
      name.textContent = t.name || `thread ${t.thread}`;
      li.append(name);
      if (t.unread > 0) {
        const b = document.createElement('span');
        b.className = 'badge';
        b.textContent = String(t.unread);
        li.append(b);
      }
      li.onclick = () => { this.open = t.thread; this.render(); this.app.markRead(); };
      return li;
    }));
    this.drawThread(e.threads[this.open]);
  }

  drawThread(t) {
    const e = this.app.engine;
    $('thread').hidden = !t;
    if (!t) return;
    $('thread-name').textContent = t.name || `thread ${t.thread}`;
    $('older').hidden = !t.more;
    const ol = $('messages');
    const atBottom = ol.scrollTop + ol.clientHeight >= ol.scrollHeight - 20;
    const items = t.messages.map((m) => this.item(m.text, m.sender, m.sender === this.app.me ? 'mine' : '', m.message));
    for (const p of pendingOf([...e.outbox.values()], t)) {
      items.push(this.item(p.text, this.app.me, 'mine pending', '', p.client_id));
    }
    ol.replaceChildren(...items);
    if (atBottom) ol.scrollTop = ol.scrollHeight;
    const now = Date.now();
    const typers = Object.entries(this.typers).filter(([k, at]) => k.startsWith(`${t.thread}/`) && now - at < TYPING_SHOWN_MS)
      .map(([k]) => `user ${k.split('/')[1]}`);
    $('typing').textContent = typers.length ? `${typers.join(', ')} typing…` : '';
    const last = t.messages.filter((m) => m.sender === this.app.me).pop();
    const seenBy = last ? Object.entries(t.watermarks).filter(([r, up]) => r !== this.app.me && BigInt(up) >= BigInt(last.message)).map(([r]) => `user ${r}`) : [];
    $('seen').textContent = seenBy.length ? `Seen by ${seenBy.join(', ')}` : '';
    this.app.markRead();
  }

  item(text, sender, cls, message, clientId) {
    const li = document.createElement('li');
    li.className = cls;
    if (message) li.dataset.message = message;
    if (clientId) li.dataset.clientId = clientId;
    const s = document.createElement('span');
    s.className = 'sender';
    s.textContent = `user ${sender}`;
    li.append(s, document.createTextNode(text));
    return li;
  }
}
