// What the browser suites (web_browser.js, web_lifecycle.js, web_contacts.js) share: headless Chromium from
// Debian driven by playwright-core (no browser download), TCP proxies the test can block,
// bounded waits, the app's view (window.iris.view()) and the server's truth to compare it with.
// Env: IRIS_HTTP_PORT, IRIS_WS_PORT, IRIS_THREAD, IRIS_CLI, IRIS_CLI_DIR, IRIS_SCREENSHOTS.
const net = require('net');
const { spawnSync } = require('child_process');
const { chromium } = require('playwright-core');

const env = process.env;
const state = { phase: 'setup' };
const fail = (why) => { console.log(`FAIL: ${state.phase}: ${why}`); process.exit(1); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.log(`[${state.phase}]`, ...a);

// A TCP proxy to 127.0.0.1:target that the test can block (refuse and drop everything).
function proxy(target) {
  const pairs = new Set();
  let open = true;
  const server = net.createServer((c) => {
    if (!open) return c.destroy();
    const u = net.connect(target, '127.0.0.1');
    const pair = { kill: () => { c.destroy(); u.destroy(); pairs.delete(pair); } };
    pairs.add(pair);
    c.pipe(u); u.pipe(c);
    for (const s of [c, u]) { s.on('error', pair.kill); s.on('close', pair.kill); }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    port: server.address().port,
    block() { open = false; for (const p of [...pairs]) p.kill(); },
    unblock() { open = true; },
    close() { this.block(); server.close(); },
  })));
}

// Polls `fn` every 100 ms until it returns something other than false / {ok: false}.
async function waitFor(what, fn, timeoutMs = 15000) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last && last.ok !== false) return last;
    await sleep(100);
  }
  fail(`waited ${timeoutMs} ms for ${what}; last: ${JSON.stringify(last && last.why !== undefined ? last.why : last).slice(0, 600)}`);
}

const view = (page) => page.evaluate(() => (window.iris && window.iris.engine ? window.iris.view() : null));
const thread = (v, id = env.IRIS_THREAD) => v && v.threads.find((t) => t.thread === id);
const texts = (v, id = env.IRIS_THREAD) => { const t = thread(v, id); return t ? t.messages.map((m) => m.text) : []; };

// Every text in `want` is in the page's thread exactly once, and nothing is pending.
async function hasAll(page, want, who, id = env.IRIS_THREAD) {
  return waitFor(`${who} to show ${want.length} messages once each`, async () => {
    const v = await view(page);
    const got = texts(v, id);
    const missing = want.filter((w) => got.filter((g) => g === w).length !== 1);
    return missing.length || v.pending ? { ok: false, why: { missing, pending: v && v.pending, mode: v && v.mode } } : v;
  });
}

async function openThread(page, id = env.IRIS_THREAD) {
  await page.click(`#inbox li[data-thread="${id}"]`);
}

async function sendDom(page, text, id = env.IRIS_THREAD) {
  await openThread(page, id);
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
}

function cli(...args) {
  const r = spawnSync(env.IRIS_CLI, ['--config-dir', env.IRIS_CLI_DIR, '--timeout', '10', ...args], { encoding: 'utf8', timeout: 30000 });
  if (r.status !== 0) fail(`iris ${args.join(' ')}: exit ${r.status} ${r.stdout} ${r.stderr}`);
  return r.stdout;
}

async function api(token, path, body) {
  const r = await fetch(`http://127.0.0.1:${env.IRIS_HTTP_PORT}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!r.ok) fail(`${path}: HTTP ${r.status} ${await r.text()}`);
  return r.json();
}

async function shot(page, name) {
  if (env.IRIS_SCREENSHOTS) await page.screenshot({ path: `${env.IRIS_SCREENSHOTS}/${name}.png` });
}

function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    // playwright-core gives every launch a fresh --user-data-dir of its own.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// A browser user: its own context (IndexedDB, localStorage), HTTP and WebSocket proxies, and
// the app opened with its token. `query`: more of the app's URL parameters; `context`: a
// browser context made by the caller (e.g. with routes of its own), else a new one.
async function openUser(browser, name, token, query = '', context = null) {
  const http = await proxy(Number(env.IRIS_HTTP_PORT));
  const ws = await proxy(Number(env.IRIS_WS_PORT));
  context = context || await browser.newContext({ viewport: { width: 900, height: 560 }, acceptDownloads: true });
  const url = `http://127.0.0.1:${http.port}/app/?ws=ws://127.0.0.1:${ws.port}/mqtt${query}`;
  const page = await context.newPage();
  page.on('pageerror', (e) => log(`${name} page error: ${e.message}`));
  await page.goto(`${url}#token=${token}`);
  return { name, token, http, ws, context, page, url };
}

// A message as the app's view() shows it, from a server ThreadMessage.
const asShown = (m) => ({ message: m.message, sender: m.sender, text: m.text, edit_count: m.edit_count || 0,
  reactions: m.reactions || [], attachments: m.attachments || [] });

// The user's view equals the server's snapshot: position, threads, each thread's latest
// messages (text, edit count, reactions, attachments: all the server has, or at least the
// latest 20 that a snapshot gives a refetched thread), unread counts, names, folders, no
// message twice, nothing pending; the contacts, blocked users and group-add setting; and the
// badge equals GET /v1/badge at the same seq. Compared again
// (at most 30 times, 300 ms apart) while the page may still be moving, e.g. a read receipt
// of its own on its way between the snapshot and the badge.
async function sameAsServer(name, token, page) {
  let why = '';
  for (let attempt = 0; attempt < 30; attempt++) {
    if (attempt) await sleep(300);
    why = await differences(name, token, page);
    if (!why) return view(page);
  }
  fail(why);
}

async function differences(name, token, page) {
  const snap = (await api(token, '/v1/snapshot?messages=200')).snapshot;
  await waitFor(`${name} at the server's head ${snap.seq}`, async () => { const v = await view(page); return (cmpSeq(v.pos.seq, snap.seq) >= 0 && !v.pending) || { ok: false, why: [v.pos, v.pending] }; });
  const v = await view(page);
  if (v.pos.seq !== snap.seq) return `${name} at ${v.pos.seq}, the snapshot at ${snap.seq}`;
  if (v.pos.epoch !== snap.epoch) return `${name} epoch ${v.pos.epoch} != ${snap.epoch}`;
  if (v.threads.length !== snap.threads.length) return `${name} has ${v.threads.length} threads, server ${snap.threads.length}`;
  for (const ts of snap.threads) {
    const mine = thread(v, ts.thread);
    if (!mine) return `${name} lacks thread ${ts.thread}`;
    const k = Math.min(mine.messages.length, ts.latest_messages.length);
    if (k < Math.min(20, ts.latest_messages.length)) return `${name} holds ${k} messages of thread ${ts.thread}`;
    const want = ts.latest_messages.slice(-k).map(asShown);
    const got = mine.messages.slice(-k);
    if (JSON.stringify(got) !== JSON.stringify(want)) return `${name} thread ${ts.thread} differs from the server's: ${JSON.stringify(got).slice(0, 400)} != ${JSON.stringify(want).slice(0, 400)}`;
    if (mine.unread !== ts.unread_count) return `${name} unread ${mine.unread} != server ${ts.unread_count}`;
    if (mine.name !== ts.name) return `${name} thread name ${mine.name} != ${ts.name}`;
    if (mine.folder !== (ts.folder || 'inbox')) return `${name} has thread ${ts.thread} in ${mine.folder}, the server in ${ts.folder || 'inbox'}`;
    const ids = mine.messages.map((m) => m.message);
    if (new Set(ids).size !== ids.length) return `${name} shows a message twice`;
  }
  // The snapshot's social part may be newer than its seq: a change racing it differs once.
  const social = JSON.stringify({ contacts: snap.contacts || [], blocked: snap.blocked || [], group_add: snap.group_add || 'contacts' });
  if (JSON.stringify(v.social) !== social) return `${name} social state ${JSON.stringify(v.social)} != the server's ${social}`;
  const badge = (await api(token, '/v1/badge')).badge;
  if (badge.seq !== snap.seq) return `the badge at ${badge.seq}, the snapshot at ${snap.seq}`;
  if (v.badge !== badge.unread) return `${name} badge ${v.badge} != server ${badge.unread}`;
  return '';
}

const cmpSeq = (a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);

module.exports = { env, state, fail, sleep, log, proxy, waitFor, view, thread, texts, hasAll, openThread, sendDom, cli, api, shot, launch, openUser, asShown, sameAsServer };
