// The web app in headless Chromium (Debian's chromium, driven by playwright-core from npm;
// no browser download): two browser users and one CLI user chat in one thread, against one
// irisd behind this script's TCP proxies (one HTTP and one WebSocket proxy per browser user,
// so the test can cut or block one user's network). Phases, in one browser:
//   chat       A and B in the browser and C on the CLI talk; typing; unread and read receipts
//   reload     A is cut off (WebSocket proxy blocked, /v1/* aborted), sends twice, reloads
//              with the outbox pending, comes back: each message shows once, everywhere
//   cut        A sends a burst while the proxy drops every connection in the middle
//   longpoll   A's WebSocket port is blocked: A switches to long polling, sends and receives,
//              typing crosses long polling both ways,
//              and goes back to the WebSocket when it works again
//   catchup    B is closed while 1,000 updates arrive, then opened again: it catches up
//   truth      every browser's view equals the server's snapshot; no message lost or doubled
// Env: IRIS_HTTP_PORT, IRIS_WS_PORT, IRIS_TOKEN_A/B/C/BULK, IRIS_THREAD, IRIS_CLI,
// IRIS_CLI_DIR, IRIS_SCREENSHOTS (optional folder for the docs' screenshots).
// Prints "ok" and exits 0, or "FAIL: <phase>: <why>" and exits 1.
const H = require('./web_harness.js');

const { env, state, fail, sleep, log, waitFor, view, thread, hasAll, sendDom, cli, api, shot } = H;
const THREAD = env.IRIS_THREAD;
setTimeout(() => fail('timed out'), 100000).unref();

async function main() {
  const browser = await H.launch();
  try {
    const A = await H.openUser(browser, 'A', env.IRIS_TOKEN_A);
    const B = await H.openUser(browser, 'B', env.IRIS_TOKEN_B);

    state.phase = 'chat';
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

    state.phase = 'reload';
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

    state.phase = 'cut';
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

    state.phase = 'longpoll';
    A.ws.block();
    await waitFor('A on long polling', async () => { const v = await view(A.page); return v.mode === 'poll' || { ok: false, why: v.mode }; });
    cli('send', THREAD, 'to a long-polling browser');
    await sendDom(B.page, 'B to a long-polling browser');
    await sendDom(A.page, 'sent over long polling');
    const poll = cut.concat(['to a long-polling browser', 'B to a long-polling browser', 'sent over long polling']);
    await hasAll(A.page, poll, 'A');
    await hasAll(B.page, poll, 'B');
    // Typing crosses long polling both ways: B (MQTT) to A (a held poll), A (POST /v1/requests)
    // to B (its MQTT typing topic).
    await waitFor('A to show no stale typing', async () => !(await A.page.textContent('#typing')).includes('user 2') || { ok: false });
    await B.page.type('#text', 'typing to a poller', { delay: 20 });
    await waitFor('A (long polling) to see B typing', async () => (await A.page.textContent('#typing')).includes('user 2 typing') || { ok: false });
    await A.page.type('#text', 'typing from a poller', { delay: 20 });
    await waitFor('B to see A (long polling) typing', async () => (await B.page.textContent('#typing')).includes('user 1 typing') || { ok: false });
    if ((await view(A.page)).mode !== 'poll') fail('A left long polling during the typing check');
    await shot(A.page, 'web-longpoll');
    await A.page.fill('#text', '');
    await B.page.fill('#text', '');
    A.ws.unblock();
    await waitFor('A back on the WebSocket', async () => { const v = await view(A.page); return v.mode === 'live' || { ok: false, why: v.mode }; }, 20000);

    state.phase = 'catchup';
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

    state.phase = 'truth';
    await H.sameAsServer('A', env.IRIS_TOKEN_A, A.page);
    await H.sameAsServer('B', env.IRIS_TOKEN_B, B.page);
    const shown = JSON.parse(cli('--json', 'show', THREAD, '--limit', '30'));
    const server = (await api(env.IRIS_TOKEN_C, `/v1/threads/${THREAD}/messages?limit=30`)).thread_page;
    if (JSON.stringify(shown.messages.map((m) => m.id)) !== JSON.stringify(server.messages.map((m) => m.message))) fail('the CLI view differs from the server');
    console.log('ok');
  } finally {
    await browser.close();
  }
}

main().then(() => process.exit(0), (e) => fail(e && e.stack ? e.stack : String(e)));
