// The page's social part (docs/CLIENT.md "The web app"): the folder tabs (Inbox, Requests
// with its count, Archived), the open thread's folder bar (accept, decline or block a
// request; archive; move back to the inbox) and its people (add or remove a contact, block,
// unblock), and the panel of contacts, blocked users and the group-add setting. What it
// draws is the state as pending requests will leave it (social.js shownSocial); every
// action is a social request through the app's outbox (App.social).
import { byFolder, folderOf, relationOf, requesterOf, shownSocial } from './social.js';

const $ = (id) => document.getElementById(id);
const EMPTY = { inbox: 'No conversations yet.', requests: 'No message requests.', archived: 'Nothing archived.' };
const PEOPLE_SHOWN = 20;  // a big group's header lists the first ones; the panel has the rest

export class SocialUi {
  constructor(app, ui) {
    this.app = app; this.ui = ui; this.folder = 'inbox';
    for (const b of document.querySelectorAll('#folders button')) {
      b.onclick = () => { this.folder = b.dataset.folder; ui.render(); };
    }
    $('request-accept').onclick = () => this.move('accept', 'inbox');
    $('request-decline').onclick = () => this.move('archive');
    // Blocking the one who asked also declines the request: it leaves the requests.
    $('request-block').onclick = () => {
      const t = this.openThread();
      const from = t && requesterOf(t, app.me);
      if (from) app.social('block', { user: from });
      this.move('archive');
    };
    $('thread-archive').onclick = () => this.move('archive');
    $('thread-unarchive').onclick = () => this.move('unarchive', 'inbox');
    $('group-add').onchange = () => app.social('set_group_add', { group_add: $('group-add').value });
    const byId = (action) => {
      const user = $('contact-user').value.trim();
      $('contact-user').value = '';
      if (user) app.social(action, { user });
    };
    $('contact-form').onsubmit = (ev) => { ev.preventDefault(); byId('add_contact'); };
    $('contact-block').onclick = () => byId('block');
    $('social-panel').addEventListener('toggle', () => ui.render());
  }

  openThread() { return this.ui.open && this.app.engine.threads[this.ui.open]; }

  // Moves the open thread (accept, archive, unarchive); the tabs follow it to `show`.
  move(action, show) {
    const t = this.openThread();
    if (!t) return;
    this.app.social(action, { thread: t.thread });
    if (show) this.folder = show;
    this.ui.render();
  }

  shown() {
    const e = this.app.engine;
    return shownSocial(e.social, [...e.outbox.values()]);
  }

  // The tabs with their counts and the panel; returns the threads of the chosen folder, in
  // the order given.
  drawFolders(ordered, shown, hasState) {
    const { list, counts } = byFolder(ordered, shown, this.folder);
    for (const b of document.querySelectorAll('#folders button')) b.setAttribute('aria-selected', String(b.dataset.folder === this.folder));
    $('requests-count').textContent = String(counts.requests);
    $('requests-count').hidden = counts.requests === 0;
    $('inbox-empty').textContent = EMPTY[this.folder];
    $('inbox-empty').hidden = list.length > 0 || !hasState;
    this.drawPanel(shown);
    return list;
  }

  // The open thread's folder bar and people.
  drawThread(t, shown) {
    const me = this.app.me;
    const folder = shown.folders[t.thread] || folderOf(t);
    const from = folder === 'requests' ? requesterOf(t, me) : null;
    $('request').hidden = folder !== 'requests';
    $('request-text').textContent = from ? `user ${from} is not in your contacts. Accept the request to move it to your inbox.` : 'A message request.';
    $('request-block').hidden = !from;
    $('thread-archive').hidden = folder !== 'inbox';
    $('thread-unarchive').hidden = folder !== 'archived';
    const others = t.participants.filter((p) => p !== me);
    $('people').replaceChildren(...others.slice(0, PEOPLE_SHOWN).map((user) => this.person(user, shown)));
    if (others.length > PEOPLE_SHOWN) $('people').append(span('more', `and ${others.length - PEOPLE_SHOWN} more`));
  }

  // One user with its relation and what can be done about it.
  person(user, shown) {
    const relation = relationOf(shown.social, user);
    const el = span(`person ${relation}${shown.pending.has(user) ? ' pending' : ''}`, `user ${user}`);
    el.dataset.user = user;
    if (relation !== 'none') el.append(span('relation', relation === 'contact' ? 'contact' : 'blocked'));
    const act = (cls, label, action) => el.append(button(cls, label, `${label}: user ${user}`, () => this.app.social(action, { user })));
    if (relation === 'contact') act('remove-contact', 'Remove contact', 'remove_contact');
    if (relation === 'none') act('add-contact', 'Add contact', 'add_contact');
    if (relation === 'blocked') act('unblock', 'Unblock', 'unblock');
    else act('block', 'Block', 'block');
    return el;
  }

  // Drawn while open only: the lists may be long and the panel is mostly closed.
  drawPanel(shown) {
    if (!$('social-panel').open) return;
    const s = shown.social;
    const select = $('group-add');
    if (document.activeElement !== select && select.value !== s.group_add) select.value = s.group_add;
    const item = (user, cls, label, action) => {
      const li = document.createElement('li');
      li.dataset.user = user;
      if (shown.pending.has(user)) li.className = 'pending';
      li.append(span('user', `user ${user}`), button(cls, label, `${label}: user ${user}`, () => this.app.social(action, { user })));
      return li;
    };
    $('contacts-list').replaceChildren(...s.contacts.map((u) => item(u, 'remove-contact', 'Remove', 'remove_contact')));
    $('blocked-list').replaceChildren(...s.blocked.map((u) => item(u, 'unblock', 'Unblock', 'unblock')));
    $('contacts-none').hidden = s.contacts.length > 0;
    $('blocked-none').hidden = s.blocked.length > 0;
  }
}

function span(cls, text) {
  const s = document.createElement('span');
  s.className = cls;
  s.textContent = text;
  return s;
}

function button(cls, label, title, onclick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = cls;
  b.textContent = label;
  b.title = title;
  b.setAttribute('aria-label', title);
  b.onclick = onclick;
  return b;
}
