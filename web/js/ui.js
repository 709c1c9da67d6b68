// The DOM: inbox, open thread (its messages, then its pending sends), typing, read
// receipts, the badge and the connection state. Renders are coalesced to one per animation
// frame. A message shows its edit count, reactions and attachments, and its actions (edit
// and unsend for one's own within the server's edit window; delete for me and reactions for
// any); the bytes of attachments
// come from attachments.js; the folders, contacts and blocks from social_ui.js.
import { badgeCount, canEdit, inboxOrder, pendingOf, shownMessage } from './model.js';
import { Attachments } from './attachments.js';
import { SocialUi } from './social_ui.js';

const $ = (id) => document.getElementById(id);
const TYPING_SHOWN_MS = 6000;
export const REACTIONS = ['👍', '❤️', '😂'];

export class Ui {
  constructor(app) {
    this.app = app; this.open = null; this.scheduled = false; this.typers = {}; this.typingSent = 0;
    this.editing = null;  // the message being edited in the compose box: {thread, message}
    this.files = new Attachments(app.api, (err) => { if (err) this.error(err); this.render(); });
    this.social = new SocialUi(app, this);
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
      if (this.editing) {
        const { thread, message } = this.editing;
        this.stopEditing();
        this.app.act(thread, message, 'edit', text);
      } else {
        this.app.send(this.open, text);
      }
    };
    $('cancel-edit').onclick = () => { this.stopEditing(); $('text').value = ''; };
    $('file').onchange = () => {
      const file = $('file').files[0];
      $('file').value = '';
      if (!file || !this.open) return;
      const text = $('text').value;  // the file's caption
      $('text').value = '';
      this.app.attach(this.open, file, text);
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

  edit(thread, m) {
    this.editing = { thread, message: m.message };
    $('text').value = m.text;
    $('compose-button').textContent = 'Save';
    $('cancel-edit').hidden = false;
    $('text').focus();
  }

  stopEditing() {
    this.editing = null;
    $('compose-button').textContent = 'Send';
    $('cancel-edit').hidden = true;
  }

  // An upload's progress ({name, sent, total}), or null when none is running.
  uploading(u) {
    $('upload').hidden = !u;
    if (!u) return;
    $('upload-name').textContent = u.name;
    $('upload-progress').max = u.total || 1;
    $('upload-progress').value = u.sent;
  }

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
    const saved = e && e.savedAt ? ` — showing what this device saved at ${clock(e.savedAt)}` : '';
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
    const badge = badgeCount(e.threads, e.pos, e.badge);
    $('badge').hidden = badge === 0;
    $('badge').textContent = String(badge);
    document.title = badge ? `(${badge}) Iris` : 'Iris';
    const shown = this.social.shown();
    const threads = this.social.drawFolders(inboxOrder(e.threads), shown, e.hasState);
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
    if (threads.length && !this.drawnInbox) { this.drawnInbox = true; performance.mark('iris-inbox-drawn'); }
    this.drawThread(e.threads[this.open], shown);
  }

  drawThread(t, shown) {
    const e = this.app.engine;
    $('thread').hidden = !t;
    if (!t) return;
    $('thread-name').textContent = t.name || `thread ${t.thread}`;
    this.social.drawThread(t, shown);
    $('older').hidden = !t.more;
    const ol = $('messages');
    const atBottom = ol.scrollTop + ol.clientHeight >= ol.scrollHeight - 20;
    const outbox = [...e.outbox.values()];
    const items = t.messages.map((m) => this.message(t.thread, shownMessage(m, outbox, this.app.me)));
    for (const p of pendingOf(outbox, t)) {
      items.push(this.item({ text: p.text, sender: this.app.me, attachments: p.attachments }, 'mine pending', { clientId: p.client_id }));
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

  // A stored message (as shownMessage overlays its pending actions) with its actions.
  message(thread, m) {
    const mine = m.sender === this.app.me;
    const cls = [mine ? 'mine' : '', m.pending ? 'pending-action' : '', m.removing ? 'removing' : ''].filter(Boolean).join(' ');
    const li = this.item(m, cls, { message: m.message });
    if (m.edit_count) li.append(span('edited', m.edit_count > 1 ? `edited ×${m.edit_count}` : 'edited'));
    if (m.reactions) {
      li.append(span('reactions', m.reactions.map((r) => r.reaction).join(' '), m.reactions.map((r) => `user ${r.user}: ${r.reaction}`).join(', ')));
    }
    if (m.removing) return li;
    const bar = document.createElement('span');
    bar.className = 'actions';
    const act = (cls, label, fn) => { const b = document.createElement('button'); b.className = cls; b.textContent = label; b.onclick = fn; bar.append(b); };
    const config = this.app.config || {};
    if (canEdit(m, this.app.me, config.edit_window_ms, Date.now())) {  // redrawn every second: they go when the window closes
      act('edit', 'Edit', () => this.edit(thread, m));
      act('unsend', 'Unsend', () => this.app.act(thread, m.message, 'unsend'));
    }
    act('delete', 'Delete for me', () => this.app.act(thread, m.message, 'delete_for_me'));
    const current = (m.reactions || []).find((r) => r.user === this.app.me);
    for (const r of REACTIONS) {
      // The reaction the user has is taken back by clicking it again.
      act(current && current.reaction === r ? 'react on' : 'react', r, () => this.app.act(thread, m.message, 'react', current && current.reaction === r ? '' : r));
    }
    li.append(bar);
    return li;
  }

  item(m, cls, { message, clientId } = {}) {
    const li = document.createElement('li');
    li.className = cls;
    if (message) li.dataset.message = message;
    if (clientId) li.dataset.clientId = clientId;
    li.append(span('sender', `user ${m.sender}`), span('text', m.text));
    for (const a of m.attachments || []) li.append(this.files.element(a));
    return li;
  }
}

// HH:MM:SS by hand: the first toLocaleTimeString() of a page sets up ICU's formatters, ~17 ms
// of a cold start's main thread (the status line is drawn while connecting).
function clock(ms) {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

function span(cls, text, title) {
  const s = document.createElement('span');
  s.className = cls;
  s.textContent = text;
  if (title) s.title = title;
  return s;
}
