// The web app on a deployment of two cells (tests/e2e/cases_route.py): the page is served by
// server a1, its user lives on b1 (another cell). The app asks GET /v1/route of a1 and
// connects its WebSocket to b1's ws address; with its WebSocket unreachable (a ?ws= override
// to a dead port) it long-polls b1's http address across origins (b1 lists the page's origin
// in http.cors_origins), and a message sent meanwhile reaches it.
// Env: IRIS_PAGE_PORT (a1's http), IRIS_OWNER_WS, IRIS_OWNER_HTTP ("127.0.0.1:port" of b1),
// IRIS_TOKEN (the user's), IRIS_DEAD_PORT (nobody listens there).
const H = require('./web_harness.js');

const { env } = H;

async function open(browser, query) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => H.log(`page error: ${e.message}`));
  await page.goto(`http://127.0.0.1:${env.IRIS_PAGE_PORT}/app/${query}#token=${env.IRIS_TOKEN}`);
  return { context, page };
}

const where = (page) => page.evaluate(() => (window.iris && window.iris.engine
  ? { mode: window.iris.mode, wsUrl: window.iris.wsUrl, pollBase: window.iris.pollApi.base, owner: window.iris.owner }
  : null));

(async () => {
  const browser = await H.launch();
  try {
    H.state.phase = 'ws';
    const a = await open(browser, '');
    const live = await H.waitFor('the WebSocket to the owner to be live', async () => {
      const w = await where(a.page);
      return w && w.mode === 'live' ? w : { ok: false, why: w };
    });
    if (live.wsUrl !== `ws://${env.IRIS_OWNER_WS}/mqtt`) H.fail(`WebSocket went to ${live.wsUrl}`);
    if (live.pollBase !== `http://${env.IRIS_OWNER_HTTP}`) H.fail(`long poll base is ${live.pollBase}`);
    H.log('live on', live.wsUrl, 'owner', live.owner);
    await a.context.close();

    H.state.phase = 'poll';
    const b = await open(browser, `?ws=ws://127.0.0.1:${env.IRIS_DEAD_PORT}/mqtt`);
    const polling = await H.waitFor('the long poll to the owner', async () => {
      const w = await where(b.page);
      return w && w.mode === 'poll' ? w : { ok: false, why: w };
    }, 30000);
    if (polling.pollBase !== `http://${env.IRIS_OWNER_HTTP}`) H.fail(`long poll went to ${polling.pollBase}`);
    // A thread created over the owner's API (a cross-origin POST from the page) comes back
    // through the cross-origin long poll.
    const made = await b.page.evaluate(async () => window.iris.pollApi.call('/v1/threads', { method: 'POST',
      body: { create_thread_request: { client_id: '0000000000000000000000000000004d', name: 'routed', participants: [] } } }));
    const thread = made && made.send_result && made.send_result.thread;
    if (!thread) H.fail(`thread not created: ${JSON.stringify(made)}`);
    await H.waitFor('the new thread over the long poll', async () => {
      const v = await H.view(b.page);
      return v && v.threads.some((t) => t.thread === thread) ? v : { ok: false, why: v && v.mode };
    });
    const after = await where(b.page);
    if (after.pollBase !== `http://${env.IRIS_OWNER_HTTP}`) H.fail(`long poll moved to ${after.pollBase}`);
    await b.context.close();
    console.log('ok');
  } finally {
    await browser.close();
  }
})().catch((e) => H.fail(e.stack || String(e)));
