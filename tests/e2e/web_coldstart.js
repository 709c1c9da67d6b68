// The web app's cold start in headless Chromium (issue 20): one irisd, users A and B in the
// browser, C on the CLI, in one thread. Phases:
//   cold      A opens the app with nothing stored: the snapshot and the route are asked for
//             once each (by index.html, before the modules), the inbox drawn, the WebSocket
//             live (it connects while IndexedDB opens and resumes from the snapshot's position)
//   resume    a message C sends once A is live shows once (nothing lost, nothing twice)
//   stored    A reloads with its WebSocket blocked: the thread and that message come from
//             IndexedDB (the snapshot was stored behind the drawn inbox), no snapshot is asked
//             for again, and A catches up over long polling
//   nolib     B's page cannot load MQTT.js (the bundle's request fails): B long-polls, sends,
//             and gets C's message
//   truth     both pages equal the server's snapshot and badge
// Env: as web_harness.js, and IRIS_TOKEN_A/B. Prints "ok" or "FAIL: <phase>: <why>".
const H = require('./web_harness.js');

const { env, state, fail, log, waitFor, view, thread, texts, hasAll, cli } = H;
const THREAD = env.IRIS_THREAD;
setTimeout(() => fail('timed out'), 100000).unref();

// What the page asked for and did: snapshot and route requests, IndexedDB loaded, the inbox.
const startInfo = (page) => page.evaluate(() => ({
  snapshots: performance.getEntriesByType('resource').filter((r) => r.name.includes('/v1/snapshot')).length,
  routes: performance.getEntriesByType('resource').filter((r) => r.name.includes('/v1/route')).length,
  // requests that left before main.js ran (index.html's inline script)
  early: performance.getEntriesByType('resource').filter((r) => r.startTime < (performance.getEntriesByName('iris-start')[0] || { startTime: -1 }).startTime)
    .map((r) => r.name.replace(/^.*\/(?=[^/]+$)/, '').replace(/\?.*$/, '')),
  loaded: performance.getEntriesByName('iris-loaded').length > 0,
  inbox: [...document.querySelectorAll('#inbox li')].map((li) => li.dataset.thread),
}));

async function main() {
  const browser = await H.launch();
  try {
    state.phase = 'cold';
    const A = await H.openUser(browser, 'A', env.IRIS_TOKEN_A);
    await waitFor('A live with the thread', async () => { const v = await view(A.page); return (v && v.mode === 'live' && thread(v)) || { ok: false, why: v && v.mode }; });
    const cold = await startInfo(A.page);
    log('cold start', JSON.stringify(cold));
    if (cold.snapshots !== 1) fail(`${cold.snapshots} snapshot requests on a cold start`);
    if (cold.routes !== 1) fail(`${cold.routes} route requests on a cold start`);
    for (const r of ['snapshot', 'route', 'config.json']) if (!cold.early.includes(r)) fail(`${r} was not asked for before the modules ran`);
    if (!cold.inbox.includes(THREAD)) fail(`the inbox shows ${JSON.stringify(cold.inbox)}`);

    state.phase = 'resume';
    cli('send', THREAD, 'after the cold start');
    await hasAll(A.page, ['after the cold start'], 'A');

    state.phase = 'stored';
    A.ws.block();
    await A.page.reload({ waitUntil: 'commit' });
    await waitFor('A loaded its stored copy', async () => (await startInfo(A.page)).loaded || { ok: false, why: 'loading' });
    const warm = await startInfo(A.page);
    const local = await view(A.page);
    if (warm.snapshots !== 0) fail(`${warm.snapshots} snapshot requests on a warm start`);
    if (!texts(local).includes('after the cold start')) fail(`the stored copy lacks the message: ${JSON.stringify(texts(local))}`);
    cli('send', THREAD, 'while A long-polls');
    await waitFor('A long-polling', async () => { const v = await view(A.page); return v.mode === 'poll' || { ok: false, why: v.mode }; });
    await hasAll(A.page, ['after the cold start', 'while A long-polls'], 'A');
    A.ws.unblock();

    state.phase = 'nolib';
    const blocked = [];
    const context = await browser.newContext();
    await context.route('**/vendor/mqtt.min.js', (route) => { blocked.push(route.request().url()); return route.abort(); });
    const B = await H.openUser(browser, 'B', env.IRIS_TOKEN_B, '', context);
    await waitFor('B long-polling without MQTT.js', async () => { const v = await view(B.page); return (v && v.mode === 'poll' && thread(v)) || { ok: false, why: v && v.mode }; });
    if (!blocked.length) fail('the bundle was not requested');
    await H.sendDom(B.page, 'from B without MQTT.js');
    cli('send', THREAD, 'to B without MQTT.js');
    await hasAll(B.page, ['from B without MQTT.js', 'to B without MQTT.js'], 'B');
    await hasAll(A.page, ['from B without MQTT.js', 'to B without MQTT.js'], 'A');

    state.phase = 'truth';
    await H.sameAsServer('A', env.IRIS_TOKEN_A, A.page);
    await H.sameAsServer('B', env.IRIS_TOKEN_B, B.page);
    console.log('ok');
  } finally {
    await browser.close();
  }
}

main().then(() => process.exit(0), (e) => fail(e && e.stack ? e.stack : String(e)));
