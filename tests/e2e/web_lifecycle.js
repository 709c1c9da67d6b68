// The web app's message lifecycle in headless Chromium (issues 20 and 21), one irisd and one
// browser: users A and B in the browser, C on the CLI, in one thread. Phases:
//   badge      B's badge follows the server's pushed count, and drops to 0 once B reads
//   edit       A edits its message in the page, C edits with `iris edit`: final text and count
//   react      reactions added, changed and taken back in both pages and with `iris react`
//   unsend     B unsends in the page, C with `iris unsend`: gone everywhere; A deletes one
//              of C's messages for itself only
//   outbox     A edits and reacts while cut off, reloads, comes back: each applied once
//   longpoll   A's WebSocket blocked: an edit and a reaction over long polling
//   files      A attaches an image (shown inline at its size in B) and a text file (B
//              downloads the same bytes); a file over the limit and one of a refused type
//              are refused with the reason shown
//   resync     B catches up with a small max_updates: a thread-scoped resync (one busy
//              thread), a full one (two), and an epoch change; each recovers the server's truth
//   truth      every page equals the server's snapshot and badge; the CLI's view its page
// Env: as web_harness.js, and IRIS_TOKEN_A/B/C. Prints "ok" or "FAIL: <phase>: <why>".
const fs = require('fs');
const H = require('./web_harness.js');

const { env, state, fail, sleep, log, waitFor, view, thread, hasAll, openThread, sendDom, cli, api, shot } = H;
const THREAD = env.IRIS_THREAD;
setTimeout(() => fail('timed out'), 110000).unref();

const msgOf = (v, text, id = THREAD) => { const t = thread(v, id); return t && t.messages.find((m) => m.text === text); };
const messageId = (out) => { const m = /as message (\d+)/.exec(out); if (!m) fail(`no message id in: ${out}`); return m[1]; };
const inPage = (page, id, sel) => `#messages li[data-message="${id}"] ${sel}`;

// Waits until `pred(message)` holds in the page for the message now or once texted `text`.
async function messageIs(page, who, id, pred, what) {
  return waitFor(`${who}: ${what}`, async () => {
    const v = await view(page);
    const t = thread(v);
    const m = t && t.messages.find((x) => x.message === id);
    return (pred(m) && !v.pending) || { ok: false, why: { m, pending: v.pending } };
  });
}

async function main() {
  const browser = await H.launch();
  try {
    const A = await H.openUser(browser, 'A', env.IRIS_TOKEN_A);
    const B = await H.openUser(browser, 'B', env.IRIS_TOKEN_B);
    for (const u of [A, B]) await waitFor(`${u.name} live with the thread`, async () => { const v = await view(u.page); return v && v.mode === 'live' && thread(v) ? v : { ok: false, why: v && v.mode }; });

    state.phase = 'badge';
    await sendDom(A.page, 'hello B');
    const fromC = messageId(cli('send', THREAD, 'from the CLI'));
    // B has not opened the thread: the server's pushed badge says 2, and the page shows it.
    await waitFor('B badge 2, pushed', async () => { const v = await view(B.page); return (v.badge === 2 && v.pushed_badge && v.pushed_badge.unread === 2) || { ok: false, why: [v.badge, v.pushed_badge] }; });
    if ((await B.page.textContent('#badge')) !== '2') fail('the page does not show the badge');
    if ((await api(env.IRIS_TOKEN_B, '/v1/badge')).badge.unread !== 2) fail('the server counts otherwise');
    await openThread(B.page);  // reads it
    await waitFor('B badge 0, pushed', async () => { const v = await view(B.page); return (v.badge === 0 && v.pushed_badge && v.pushed_badge.unread === 0) || { ok: false, why: [v.badge, v.pushed_badge] }; });
    if (!(await B.page.isHidden('#badge'))) fail('a zero badge is shown');

    state.phase = 'edit';
    const hello = msgOf(await view(A.page), 'hello B').message;
    await openThread(A.page);
    await A.page.click(inPage(A.page, hello, 'button.edit'));
    if ((await A.page.inputValue('#text')) !== 'hello B') fail('editing does not start from the text');
    await A.page.fill('#text', 'hello, B');
    await A.page.press('#text', 'Enter');
    await A.page.click(inPage(A.page, hello, 'button.edit'));
    await A.page.fill('#text', 'hello, B!');
    await A.page.press('#text', 'Enter');
    for (const u of [A, B]) await messageIs(u.page, u.name, hello, (m) => m && m.text === 'hello, B!' && m.edit_count === 2, 'A\'s message edited twice');
    await waitFor('B shows "edited ×2"', async () => (await B.page.textContent(inPage(B.page, hello, '.edited'))) === 'edited ×2' || { ok: false });
    cli('edit', THREAD, fromC, 'from the CLI, edited');
    for (const u of [A, B]) await messageIs(u.page, u.name, fromC, (m) => m && m.text === 'from the CLI, edited' && m.edit_count === 1, 'C\'s message edited once');

    state.phase = 'react';
    await A.page.click(inPage(A.page, fromC, 'button.react:has-text("👍")'));
    await B.page.click(inPage(B.page, fromC, 'button.react:has-text("❤️")'));
    await messageIs(B.page, 'B', fromC, (m) => m && m.reactions.length === 2, 'two reactions');
    await B.page.click(inPage(B.page, fromC, 'button.react:has-text("😂")'));  // changed
    cli('react', THREAD, hello, '👍');
    await messageIs(A.page, 'A', fromC, (m) => m && JSON.stringify(m.reactions) === JSON.stringify([{ user: '1', reaction: '👍' }, { user: '2', reaction: '😂' }]), 'A 👍 and B 😂');
    await A.page.click(inPage(A.page, fromC, 'button.react.on'));  // taken back
    for (const u of [A, B]) {
      await messageIs(u.page, u.name, fromC, (m) => m && JSON.stringify(m.reactions) === JSON.stringify([{ user: '2', reaction: '😂' }]), 'only B\'s 😂 left');
      await messageIs(u.page, u.name, hello, (m) => m && JSON.stringify(m.reactions) === JSON.stringify([{ user: '3', reaction: '👍' }]), 'C\'s 👍 on A\'s message');
    }
    await shot(A.page, 'web-lifecycle');

    state.phase = 'unsend';
    await sendDom(B.page, 'oops, wrong thread');
    const oops = (await waitFor('A has the oops', async () => msgOf(await view(A.page), 'oops, wrong thread') || { ok: false })).message;
    await B.page.click(inPage(B.page, oops, 'button.unsend'));
    const cliOops = messageId(cli('send', THREAD, 'the CLI takes this back'));
    cli('unsend', THREAD, cliOops);
    const toDelete = messageId(cli('send', THREAD, 'A deletes this for itself'));
    await waitFor('A has the message to delete', async () => msgOf(await view(A.page), 'A deletes this for itself') || { ok: false });
    await A.page.click(inPage(A.page, toDelete, 'button.delete'));
    for (const u of [A, B]) {
      await messageIs(u.page, u.name, oops, (m) => !m, 'B\'s unsent message gone');
      await messageIs(u.page, u.name, cliOops, (m) => !m, 'C\'s unsent message gone');
    }
    await messageIs(A.page, 'A', toDelete, (m) => !m, 'deleted for A');
    await messageIs(B.page, 'B', toDelete, (m) => !!m, 'kept for B');
    if (await A.page.$(`#messages li[data-message="${oops}"]`)) fail('an unsent message is still drawn');

    state.phase = 'outbox';
    // Cut off: the requests wait in the outbox (shown as pending), survive a reload, and are
    // applied once when A is back (the edit count moves by one, not by the retries).
    A.ws.block();
    await A.context.route('**/v1/**', (route) => route.abort());
    await waitFor('A offline', async () => (await view(A.page)).mode !== 'live' || { ok: false });
    await openThread(A.page);
    await A.page.click(inPage(A.page, hello, 'button.edit'));
    await A.page.fill('#text', 'hello, B (edited offline)');
    await A.page.press('#text', 'Enter');
    await A.page.click(inPage(A.page, fromC, 'button.react:has-text("❤️")'));
    await waitFor('2 pending', async () => (await view(A.page)).pending === 2 || { ok: false });
    await waitFor('the pending edit shown', async () => (await A.page.textContent(inPage(A.page, hello, '.text'))) === 'hello, B (edited offline)' || { ok: false });
    await A.page.reload();
    await waitFor('still 2 pending after the reload', async () => { const v = await view(A.page); return (v && v.pending === 2) || { ok: false, why: v && v.pending }; });
    await A.context.unroute('**/v1/**');
    A.ws.unblock();
    await waitFor('A live again', async () => (await view(A.page)).mode === 'live' || { ok: false });
    // And a reaction right before a reload: sent, maybe answered, then sent again.
    await openThread(A.page);
    await A.page.click(inPage(A.page, hello, 'button.react:has-text("😂")'));
    // The reload once the click is in the outbox (its IndexedDB write done; a reload before
    // that loses the click, as any page would) or already applied.
    await waitFor('A\'s 😂 in the outbox or applied', async () => {
      const v = await view(A.page);
      const m = thread(v) && thread(v).messages.find((x) => x.message === hello);
      return v.pending >= 1 || (m && m.reactions.some((r) => r.user === '1' && r.reaction === '😂')) || { ok: false, why: v.pending };
    });
    await A.page.reload();
    for (const u of [A, B]) {
      await messageIs(u.page, u.name, hello, (m) => m && m.text === 'hello, B (edited offline)' && m.edit_count === 3 &&
        JSON.stringify(m.reactions) === JSON.stringify([{ user: '1', reaction: '😂' }, { user: '3', reaction: '👍' }]), 'the offline edit once, A\'s 😂');
      await messageIs(u.page, u.name, fromC, (m) => m && JSON.stringify(m.reactions) === JSON.stringify([{ user: '1', reaction: '❤️' }, { user: '2', reaction: '😂' }]), 'the offline ❤️');
    }

    state.phase = 'longpoll';
    // The WebSocket blocked: A's actions go over POST /v1/requests and their updates come
    // back by long polling.
    A.ws.block();
    await waitFor('A on long polling', async () => { const v = await view(A.page); return v.mode === 'poll' || { ok: false, why: v.mode }; }, 20000);
    await openThread(A.page);
    await A.page.click(inPage(A.page, fromC, 'button.react.on'));  // ❤️ taken back
    await A.page.click(inPage(A.page, hello, 'button.edit'));
    await A.page.fill('#text', 'hello, B (edited over long polling)');
    await A.page.press('#text', 'Enter');
    for (const u of [A, B]) {
      await messageIs(u.page, u.name, hello, (m) => m && m.text === 'hello, B (edited over long polling)' && m.edit_count === 4, 'the edit over long polling');
      await messageIs(u.page, u.name, fromC, (m) => m && JSON.stringify(m.reactions) === JSON.stringify([{ user: '2', reaction: '😂' }]), 'the ❤️ taken back over long polling');
    }
    A.ws.unblock();
    await waitFor('A back on the WebSocket', async () => { const v = await view(A.page); return v.mode === 'live' || { ok: false, why: v.mode }; }, 20000);

    state.phase = 'files';
    await waitFor('A live', async () => (await view(A.page)).mode === 'live' || { ok: false });
    await openThread(A.page);
    // A 64x40 PNG drawn by the browser itself; B shows it inline at that size.
    const png = Buffer.from(await A.page.evaluate(() => {
      const c = document.createElement('canvas');
      c.width = 64; c.height = 40;
      const g = c.getContext('2d');
      g.fillStyle = '#36c'; g.fillRect(0, 0, 64, 40); g.fillStyle = '#fc3'; g.fillRect(8, 8, 20, 20);
      return c.toDataURL('image/png').split(',')[1];
    }), 'base64');
    const progress = [];
    await A.page.exposeFunction('irisProgress', (u) => progress.push(u));
    await A.page.evaluate(() => { const ui = window.iris.ui; const orig = ui.uploading.bind(ui); ui.uploading = (u) => { window.irisProgress(u); orig(u); }; });
    await A.page.fill('#text', 'a picture');
    await A.page.setInputFiles('#file', { name: 'square.png', mimeType: 'image/png', buffer: png });
    const pic = (await waitFor('B has the picture', async () => msgOf(await view(B.page), 'a picture') || { ok: false })).message;
    const shown = msgOf(await view(B.page), 'a picture').attachments;
    if (shown.length !== 1 || shown[0].width !== 64 || shown[0].height !== 40 || shown[0].size !== String(png.length) || shown[0].name !== 'square.png') fail(`attachment ${JSON.stringify(shown)}`);
    // Progress shown from 0 of the file's size, and cleared once it is uploaded.
    if (!progress.length || progress[0].sent !== 0 || progress[0].total !== png.length || progress[progress.length - 1] !== null) fail(`upload progress ${JSON.stringify(progress)}`);
    await openThread(B.page);
    await waitFor('B draws the image at its size', async () => {
      const img = await B.page.evaluate((id) => { const i = document.querySelector(`#messages li[data-message="${id}"] img.attachment`); return i && [i.naturalWidth, i.naturalHeight, i.width, i.height]; }, pic);
      return (img && img.join() === '64,40,64,40') || { ok: false, why: img };
    });
    // A text file: B downloads it and gets the same bytes.
    const notes = Buffer.from('minutes of the meeting\n'.repeat(50));
    await A.page.fill('#text', '');
    await A.page.setInputFiles('#file', { name: 'notes.txt', mimeType: 'text/plain', buffer: notes });
    const file = (await waitFor('B has the file', async () => { const t = thread(await view(B.page)); return (t && t.messages.find((m) => m.attachments.some((a) => a.name === 'notes.txt'))) || { ok: false }; })).message;
    const [download] = await Promise.all([B.page.waitForEvent('download', { timeout: 10000 }), B.page.click(inPage(B.page, file, 'a.attachment'))]);
    if (download.suggestedFilename() !== 'notes.txt') fail(`downloaded as ${download.suggestedFilename()}`);
    if (!fs.readFileSync(await download.path()).equals(notes)) fail('the downloaded bytes differ');
    // Over the server's limit (config.json says it): refused before any byte leaves.
    let uploads = 0;
    A.page.on('request', (r) => { if (r.url().endsWith('/v1/blobs')) uploads++; });
    await A.page.setInputFiles('#file', { name: 'big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(Number(env.IRIS_MAX_BLOB) + 1) });
    await waitFor('the size error shown', async () => (await A.page.textContent('#error')).includes('big.bin: too large') || { ok: false, why: await A.page.textContent('#error') });
    // A type the server does not take: its 415, shown.
    await A.page.setInputFiles('#file', { name: 'run.exe', mimeType: 'application/x-msdownload', buffer: Buffer.from('MZ') });
    await waitFor('the type error shown', async () => (await A.page.textContent('#error')).includes('run.exe: a type the server does not take') || { ok: false, why: await A.page.textContent('#error') });
    if (uploads !== 1) fail(`${uploads} uploads for the refused files (want only the 415 one)`);
    if ((await view(A.page)).pending) fail('a refused file left a send pending');
    await shot(B.page, 'web-attachments');

    state.phase = 'resync';
    // Thread-scoped: while B is away one thread (busy) gets most of the backlog; B resumes
    // taking at most 10 updates: that thread is refetched, the stream goes on.
    const busy = cli('create-thread', '--name', 'busy', '1', '2').trim();
    const reopen = async (query) => {
      await B.page.close();
      return async () => {
        B.page = await B.context.newPage();
        await B.page.goto(B.url + query);
        await B.page.waitForFunction(() => window.iris && window.iris.engine && window.iris.mode === 'live', null, { timeout: 15000 });
      };
    };
    let open = await reopen('&max_updates=10');
    const post = async (id, n, tag) => {
      for (let i = 0; i < n; i++) await api(env.IRIS_TOKEN_C, '/v1/requests', { send_request: { client_id: `${tag}${i.toString(16).padStart(8, '0')}`.padStart(32, '0'), thread: id, body: `${tag} ${i}` } });
    };
    await post(busy, 30, 'a1');
    await post(THREAD, 2, 'a2');
    await open();
    const stats = () => B.page.evaluate(() => window.iris.engine.stats.resyncs);
    await waitFor('a thread-scoped resync', async () => { const r = await stats(); return r.thread === 1 || { ok: false, why: r }; });
    await hasAll(B.page, ['a1 10', 'a1 29'], 'B', busy);  // its snapshot entry: the latest 20
    await H.sameAsServer('B', env.IRIS_TOKEN_B, B.page);
    // Full: two busy threads, no one thread to blame.
    open = await reopen('&max_updates=10');
    await post(busy, 12, 'b1');
    await post(THREAD, 12, 'b2');
    await open();
    await waitFor('a full resync', async () => { const r = await stats(); return r.full === 1 || { ok: false, why: r }; });
    await H.sameAsServer('B', env.IRIS_TOKEN_B, B.page);
    // An epoch this queue never had (as a queue rebuilt elsewhere would be): epoch_changed.
    await B.page.evaluate(async () => { const e = window.iris.engine; await e.run(() => e.db.commit({ pos: { epoch: '12345', seq: e.pos.seq } })); });
    await B.page.reload();
    await B.page.waitForFunction(() => window.iris && window.iris.engine && window.iris.engine.stats.resyncs.full === 1, null, { timeout: 15000 });
    await H.sameAsServer('B', env.IRIS_TOKEN_B, B.page);

    state.phase = 'truth';
    await H.sameAsServer('A', env.IRIS_TOKEN_A, A.page);
    await H.sameAsServer('B', env.IRIS_TOKEN_B, B.page);
    const shown3 = JSON.parse(cli('--json', 'show', THREAD, '--limit', '30'));
    const page3 = (await api(env.IRIS_TOKEN_C, `/v1/threads/${THREAD}/messages?limit=30`)).thread_page;
    const fromCli = shown3.messages.map((m) => [m.id, m.text, m.edit_count || 0, m.reactions || []]);
    const fromServer = page3.messages.map((m) => [m.message, m.text, m.edit_count || 0, m.reactions || []]);
    if (JSON.stringify(fromCli) !== JSON.stringify(fromServer)) fail(`the CLI view differs from the server: ${JSON.stringify(fromCli).slice(0, 300)} != ${JSON.stringify(fromServer).slice(0, 300)}`);
    log('resyncs', JSON.stringify(await stats()));
    console.log('ok');
  } finally {
    await browser.close();
  }
}

main().then(() => process.exit(0), (e) => fail(e && e.stack ? e.stack : String(e)));
