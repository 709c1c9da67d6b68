// The web app in headless Chromium (Debian's chromium, driven by playwright-core from npm;
// no browser download): two browser users and one CLI user chat in one thread, against one
// irisd behind this script's TCP proxies (one HTTP and one WebSocket proxy per browser user,
// so the test can cut or block one user's network). Phases, in one browser:
//   chat       A and B in the browser and C on the CLI talk; typing; unread and read receipts
//   reload     A is cut off (WebSocket proxy blocked, /v1/* aborted), sends twice, reloads
//              with the outbox pending, comes back: each message shows once, everywhere
//   cut        A sends a burst while the proxy drops every connection in the middle
//   longpoll   A's WebSocket port is blocked: A switches to long polling, sends and receives,
//              and goes back to the WebSocket when it works again
//   catchup    B is closed while 1,000 updates arrive, then opened again: it catches up
//   truth      every browser's view equals the server's snapshot; no message lost or doubled
// Env: IRIS_HTTP_PORT, IRIS_WS_PORT, IRIS_TOKEN_A/B/C/BULK, IRIS_THREAD, IRIS_CLI,
// IRIS_CLI_DIR, IRIS_SCREENSHOTS (optional folder for the docs' screenshots).
// Prints "ok" and exits 0, or "FAIL: <phase>: <why>" and exits 1.
const net = require('net');
const { spawnSync } = require('child_process');
const { chromium } = require('playwright-core');

const env = process.env;
const THREAD = env.IRIS_THREAD;
let phase = 'setup';
const fail = (why) => { console.log(`FAIL: ${phase}: ${why}`); process.exit(1); };
setTimeout(() => fail('timed out'), 100000).unref();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.log(`[${phase}]`, ...a);

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
const thread = (v, id = THREAD) => v && v.threads.find((t) => t.thread === id);
const texts = (v, id = THREAD) => { const t = thread(v, id); return t ? t.messages.map((m) => m.text) : []; };

// Every text in `want` is in the page's thread exactly once, and nothing is pending.
async function hasAll(page, want, who) {
  return waitFor(`${who} to show ${want.length} messages once each`, async () => {
    const v = await view(page);
    const got = texts(v);
    const missing = want.filter((w) => got.filter((g) => g === w).length !== 1);
    return missing.length || v.pending ? { ok: false, why: { missing, pending: v && v.pending, mode: v && v.mode } } : v;
  });
}

async function sendDom(page, text) {
  await page.click(`#inbox li[data-thread="${THREAD}"]`);
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

async function main() {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    // playwright-core gives every launch a fresh --user-data-dir of its own.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const users = {};
    for (const [name, token] of [['A', env.IRIS_TOKEN_A], ['B', env.IRIS_TOKEN_B]]) {
      const http = await proxy(Number(env.IRIS_HTTP_PORT));
      const ws = await proxy(Number(env.IRIS_WS_PORT));
      const context = await browser.newContext({ viewport: { width: 900, height: 560 } });
      const url = `http://127.0.0.1:${http.port}/app/?ws=ws://127.0.0.1:${ws.port}/mqtt`;
      const page = await context.newPage();
      page.on('pageerror', (e) => log(`${name} page error: ${e.message}`));
      await page.goto(`${url}#token=${token}`);
      users[name] = { http, ws, context, page, url };
    }
    const { A, B } = users;

    phase = 'chat';
    for (const u of [A, B]) await waitFor('live with the thread', async () => { const v = await view(u.page); return v && v.mode === 'live' && thread(v) ? v : { ok: false, why: v && v.mode }; });
    await sendDom(A.page, 'hello from A');
    cli('send', THREAD, 'hello from the CLI');
    await waitFor('B to count 2 unread', async () => { const t = thread(await view(B.page)); return t && t.unread === 2 ? t : { ok: false, why: t }; });
    await sendDom(B.page, 'hello from B');  // opening the thread reads it
    await waitFor('B to read everything', async () => { const t = thread(await view(B.page)); return t && t.unread === 0 ? t : { ok: false, why: t }; });
    const chat = ['hello from A', 'hello from the CLI', 'hello from B'];
    await hasAll(A.page, chat, 'A');
    await hasAll(B.page, chat, 'B');
    await B.page.type('#text', 'typing…', { delay: 20 });
    await waitFor('A to see B typing', async () => (await A.page.textContent('#typing')).includes('user 2 typing') || { ok: false });
    await waitFor('A to see B read its message', async () => (await A.page.textContent('#seen')).includes('user 2') || { ok: false });
    await shot(A.page, 'web-chat');
    await B.page.fill('#text', '');

    phase = 'reload';
    A.ws.block();
    await A.context.route('**/v1/**', (route) => route.abort());
    await waitFor('A offline', async () => { const v = await view(A.page); return v.mode !== 'live' || { ok: false }; });
    await sendDom(A.page, 'outbox 1');
    await sendDom(A.page, 'outbox 2');
    await waitFor('2 pending', async () => (await view(A.page)).pending === 2 || { ok: false });
    await A.page.reload();
    await waitFor('the pending sends after the reload', async () => { const v = await view(A.page); return (v && v.pending === 2) || { ok: false, why: v && v.pending }; });
    await waitFor('the saved inbox while offline', async () => (await A.page.textContent('#status')).includes('saved at') || { ok: false, why: await A.page.textContent('#status') });
    await A.page.click(`#inbox li[data-thread="${THREAD}"]`);
    await shot(A.page, 'web-offline');
    await A.context.unroute('**/v1/**');
    A.ws.unblock();
    // Right after a send, before its answer: a reload in the middle of the outbox.
    await waitFor('A live again', async () => (await view(A.page)).mode === 'live' || { ok: false });
    await sendDom(A.page, 'reload mid-send');
    await A.page.reload();
    const reload = chat.concat(['outbox 1', 'outbox 2', 'reload mid-send']);
    await hasAll(A.page, reload, 'A');
    await hasAll(B.page, reload, 'B');

    phase = 'cut';
    await waitFor('A live', async () => (await view(A.page)).mode === 'live' || { ok: false });
    const burst = [];
    for (let i = 0; i < 5; i++) {
      burst.push(`burst ${i}`);
      await sendDom(A.page, `burst ${i}`);
      if (i === 1) { A.ws.block(); A.http.block(); }
    }
    await sleep(700);
    A.ws.unblock(); A.http.unblock();
    const cut = reload.concat(burst);
    await hasAll(A.page, cut, 'A');
    await hasAll(B.page, cut, 'B');

    phase = 'longpoll';
    A.ws.block();
    await waitFor('A on long polling', async () => { const v = await view(A.page); return v.mode === 'poll' || { ok: false, why: v.mode }; });
    cli('send', THREAD, 'to a long-polling browser');
    await sendDom(B.page, 'B to a long-polling browser');
    await sendDom(A.page, 'sent over long polling');
    const poll = cut.concat(['to a long-polling browser', 'B to a long-polling browser', 'sent over long polling']);
    await hasAll(A.page, poll, 'A');
    await hasAll(B.page, poll, 'B');
    await shot(A.page, 'web-longpoll');
    A.ws.unblock();
    await waitFor('A back on the WebSocket', async () => { const v = await view(A.page); return v.mode === 'live' || { ok: false, why: v.mode }; }, 20000);

    phase = 'catchup';
    await B.page.close();
    const bulk = [];
    const tb = Date.now();
    for (let i = 0; i < 1000; i++) {
      const id = (0x0b0000 + i).toString(16).padStart(32, '0');
      bulk.push(`bulk ${i}`);
      await api(env.IRIS_TOKEN_BULK, '/v1/requests', { send_request: { client_id: id, thread: THREAD, body: `bulk ${i}` } });
    }
    log(`1,000 sends posted in ${Date.now() - tb} ms`);
    const t0 = Date.now();
    B.page = await B.context.newPage();
    await B.page.goto(B.url);  // the token is kept: the saved inbox, then a resume
    const all = poll.concat(bulk);
    await B.page.waitForFunction(() => window.iris && window.iris.engine && window.iris.mode === 'live');
    log(`B live after ${Date.now() - t0} ms`);
    await B.page.waitForFunction((n) => { const t = window.iris.engine.threads[n]; return t && t.messages.length >= 1010; }, THREAD, { timeout: 20000 });
    log(`B has all after ${Date.now() - t0} ms`);
    await hasAll(B.page, all, 'B');
    log(`B caught up 1,000 updates in ${Date.now() - t0} ms (page load included)`);
    log(JSON.stringify(await B.page.evaluate(() => [window.iris.engine.stats, performance.getEntriesByType('mark').map((m) => [m.name, Math.round(m.startTime)])])));
    await hasAll(A.page, all, 'A');

    phase = 'truth';
    for (const [name, token, page] of [['A', env.IRIS_TOKEN_A, A.page], ['B', env.IRIS_TOKEN_B, B.page]]) {
      const snap = (await api(token, '/v1/snapshot?messages=200')).snapshot;
      await waitFor(`${name} at the server's head ${snap.seq}`, async () => { const v = await view(page); return v.pos.seq === snap.seq || { ok: false, why: v.pos }; });
      const v = await view(page);
      if (v.pos.epoch !== snap.epoch) fail(`${name} epoch ${v.pos.epoch} != ${snap.epoch}`);
      if (v.threads.length !== snap.threads.length) fail(`${name} has ${v.threads.length} threads, server ${snap.threads.length}`);
      for (const ts of snap.threads) {
        const mine = thread(v, ts.thread);
        const want = ts.latest_messages.map((m) => ({ message: m.message, sender: m.sender, text: m.text }));
        const got = mine.messages.slice(-want.length);
        if (JSON.stringify(got) !== JSON.stringify(want)) fail(`${name} thread ${ts.thread} differs from the server's`);
        if (mine.unread !== ts.unread_count) fail(`${name} unread ${mine.unread} != server ${ts.unread_count}`);
        if (mine.name !== ts.name) fail(`${name} thread name ${mine.name} != ${ts.name}`);
        const ids = mine.messages.map((m) => m.message);
        if (new Set(ids).size !== ids.length) fail(`${name} shows a message twice`);
      }
    }
    const shown = JSON.parse(cli('--json', 'show', THREAD, '--limit', '30'));
    const server = (await api(env.IRIS_TOKEN_C, `/v1/threads/${THREAD}/messages?limit=30`)).thread_page;
    if (JSON.stringify(shown.messages.map((m) => m.id)) !== JSON.stringify(server.messages.map((m) => m.message))) fail('the CLI view differs from the server');
    console.log('ok');
  } finally {
    await browser.close();
  }
}

main().then(() => process.exit(0), (e) => fail(e && e.stack ? e.stack : String(e)));
