// The web app's contacts, blocks and requests folder in headless Chromium (issue 22), one
// irisd and one browser: user 1 in the page (A) and on the CLI (its other device, the SDK's
// store), strangers 5, 6, 7 and 8 on the CLI. Phases:
//   request    5 writes to A: the thread is under Requests (the tab counts it), not the inbox
//   accept     A accepts: the thread moves to the inbox, on the server and the other device
//   block      6 writes, A blocks it from the request: declined, 6 blocked; 6's next message
//              and thread are refused and never appear
//   contacts   A adds 5 from the panel and removes and re-adds it from the thread's header:
//              the other device follows; a contact the other device adds shows in the page,
//              and that contact's thread lands in the inbox
//   group-add  A's setting nobody refuses even a contact's group; anyone admits a stranger's
//   longpoll   the WebSocket blocked: an unblock, a stranger's thread under Requests and its
//              acceptance, all over long polling
//   offline    cut off, A declines a request and changes the setting: both wait in the outbox,
//              show at once, survive a reload, and are applied once when A is back
//   truth      A's threads, folders and social state equal the server's (web_harness.js
//              sameAsServer) and the other device's
// Env: as web_harness.js, IRIS_TOKEN_A and IRIS_CLI_DIR_<user> for users 1, 5, 6, 7 and 8.
// Prints "ok" or "FAIL: <phase>: <why>".
const { spawnSync } = require('child_process');
const H = require('./web_harness.js');

const { env, state, fail, waitFor, view, thread, texts, api } = H;
const TOKEN = env.IRIS_TOKEN_A;
setTimeout(() => fail('timed out'), 110000).unref();

function run(user, args) {
  return spawnSync(env.IRIS_CLI, ['--config-dir', env[`IRIS_CLI_DIR_${user}`], '--timeout', '10', ...args], { encoding: 'utf8', timeout: 30000 });
}
function cli(user, ...args) {
  const r = run(user, args);
  if (r.status !== 0) fail(`user ${user}: iris ${args.join(' ')}: exit ${r.status} ${r.stdout} ${r.stderr}`);
  return r.stdout.trim();
}
function refused(user, ...args) {
  const r = run(user, args);
  if (r.status === 0) fail(`user ${user}: iris ${args.join(' ')} passed: ${r.stdout}`);
}

const folderIn = (v, id) => { const t = thread(v, id); return t && t.folder; };
const contactList = async () => (await api(TOKEN, '/v1/contacts')).contact_list;
async function serverFolder(id) {
  const t = (await api(TOKEN, '/v1/snapshot?messages=0')).snapshot.threads.find((x) => x.thread === id);
  return t ? t.folder || 'inbox' : null;
}
// User 1's other device: the CLI's local store, caught up by each command.
const otherSocial = () => JSON.parse(cli('1', '--json', 'contacts'));
const otherFolder = (id) => { const t = JSON.parse(cli('1', '--json', 'threads')).threads.find((x) => x.id === id); return t && t.folder; };

// Thread `id` is in `folder` in the page, with nothing pending.
async function folderIs(page, id, folder) {
  return waitFor(`thread ${id} in ${folder}`, async () => {
    const v = await view(page);
    return (folderIn(v, id) === folder && !v.pending) || { ok: false, why: { folder: folderIn(v, id), pending: v.pending } };
  });
}
// A thread from a stranger, with `text`, under Requests in the page.
async function requestShown(page, id, text) {
  return waitFor(`thread ${id} under Requests with "${text}"`, async () => {
    const v = await view(page);
    return (folderIn(v, id) === 'requests' && texts(v, id).includes(text)) || { ok: false, why: thread(v, id) };
  });
}
async function socialIs(page, what, pred) {
  return waitFor(what, async () => { const v = await view(page); return (pred(v.social) && !v.pending) || { ok: false, why: [v.social, v.pending] }; });
}
const listed = async (page, id) => !!(await page.$(`#inbox li[data-thread="${id}"]`));
async function openIn(page, folder, id) {
  await page.click(`#folder-${folder}`);
  await page.click(`#inbox li[data-thread="${id}"]`);
}
async function otherDeviceHas(what, pred) {
  return waitFor(`the other device: ${what}`, async () => pred() || { ok: false }, 15000);
}

async function main() {
  cli('1', 'threads');  // the other device holds a snapshot from now on and follows by deltas
  cli('5', 'group-add', 'anyone');  // 5 may be put in the strangers' groups below
  const browser = await H.launch();
  try {
    const A = await H.openUser(browser, 'A', TOKEN);
    await waitFor('A live', async () => { const v = await view(A.page); return (v && v.mode === 'live') || { ok: false, why: v && v.mode }; });

    state.phase = 'request';
    const t5 = cli('5', 'create-thread', '--name', 'from five', '1');
    cli('5', 'send', t5, 'hello, I am 5');
    await requestShown(A.page, t5, 'hello, I am 5');
    await waitFor('the Requests tab counts 1', async () => ((await A.page.isVisible('#requests-count')) && (await A.page.textContent('#requests-count')) === '1') || { ok: false });
    if (await listed(A.page, t5)) fail('a request is listed in the inbox');
    if ((await serverFolder(t5)) !== 'requests') fail('the server has it elsewhere');
    await openIn(A.page, 'requests', t5);
    await waitFor('the request names user 5', async () => ((await A.page.isVisible('#request')) && (await A.page.textContent('#request-text')).includes('user 5')) || { ok: false });
    await H.shot(A.page, 'web-requests');
    const readBy1 = async () => (await api(TOKEN, '/v1/snapshot?messages=0')).snapshot.threads.find((x) => x.thread === t5).read_watermarks.some((w) => w.reader === '1');
    await H.sleep(500);  // the page would have sent its read receipt by now
    if (await readBy1()) fail('reading a request told the stranger');

    state.phase = 'accept';
    await A.page.click('#request-accept');
    await folderIs(A.page, t5, 'inbox');
    await waitFor('listed under Inbox, and no request left', async () => ((await A.page.getAttribute('#folder-inbox', 'aria-selected')) === 'true' && (await listed(A.page, t5)) && !(await A.page.isVisible('#requests-count')) && !(await A.page.isVisible('#request'))) || { ok: false });
    if ((await serverFolder(t5)) !== 'inbox') fail('not accepted on the server');
    await otherDeviceHas('the accepted thread in the inbox', () => otherFolder(t5) === 'inbox');
    await waitFor('read once accepted', async () => (await readBy1()) || { ok: false });

    state.phase = 'block';
    const t6 = cli('6', 'create-thread', '--name', 'from six', '1');
    cli('6', 'send', t6, 'first from 6');
    await requestShown(A.page, t6, 'first from 6');
    await openIn(A.page, 'requests', t6);
    await A.page.click('#request-block');
    await socialIs(A.page, '6 blocked', (s) => s.blocked.includes('6'));
    await folderIs(A.page, t6, 'archived');
    if (!(await contactList()).blocked.includes('6')) fail('not blocked on the server');
    if ((await serverFolder(t6)) !== 'archived') fail('the request is not declined on the server');
    refused('6', 'send', t6, 'second from 6');
    refused('6', 'create-thread', '--name', 'again', '1');
    cli('5', 'send', t5, 'after the block');  // a later message arrives; 6's never does
    await waitFor('5\'s later message shown', async () => texts(await view(A.page), t5).includes('after the block') || { ok: false });
    const v6 = await view(A.page);
    if (texts(v6, t6).includes('second from 6') || v6.threads.some((t) => t.name === 'again')) fail('the blocked user reached the page');
    if ((await api(TOKEN, `/v1/threads/${t6}/messages`)).thread_page.messages.some((m) => m.text === 'second from 6')) fail('the server kept it');
    await A.page.click('#folder-archived');
    await waitFor('the declined request under Archived', async () => (await listed(A.page, t6)) || { ok: false });

    state.phase = 'contacts';
    await A.page.click('#social-panel summary');
    await A.page.fill('#contact-user', '5');
    await A.page.click('#contact-add');
    await socialIs(A.page, '5 a contact', (s) => s.contacts.includes('5'));
    await waitFor('5 listed in the panel', async () => !!(await A.page.$('#contacts-list li[data-user="5"]')) || { ok: false });
    await otherDeviceHas('5 a contact', () => otherSocial().contacts.includes('5'));
    await openIn(A.page, 'inbox', t5);
    await A.page.click('#people .person[data-user="5"] button.remove-contact');
    await socialIs(A.page, '5 no contact', (s) => !s.contacts.includes('5'));
    await otherDeviceHas('5 no longer a contact', () => !otherSocial().contacts.includes('5'));
    await A.page.click('#people .person[data-user="5"] button.add-contact');
    await socialIs(A.page, '5 a contact again', (s) => s.contacts.includes('5'));
    await otherDeviceHas('5 a contact again', () => otherSocial().contacts.includes('5'));
    cli('1', 'contacts', 'add', '7');  // the other device adds one: the page follows
    await socialIs(A.page, '7 a contact, from the other device', (s) => s.contacts.includes('7'));
    await waitFor('7 listed in the panel', async () => !!(await A.page.$('#contacts-list li[data-user="7"]')) || { ok: false });
    const t7 = cli('7', 'create-thread', '--name', 'from seven', '1');
    await folderIs(A.page, t7, 'inbox');
    await H.shot(A.page, 'web-contacts');

    state.phase = 'group-add';
    await A.page.selectOption('#group-add', 'nobody');
    await waitFor('nobody on the server', async () => (await contactList()).group_add === 'nobody' || { ok: false });
    refused('7', 'create-thread', '--name', 'a group', '1', '5');  // a contact, but nobody may
    await A.page.selectOption('#group-add', 'anyone');
    await waitFor('anyone on the server', async () => (await contactList()).group_add === 'anyone' || { ok: false });
    await otherDeviceHas('the setting anyone', () => otherSocial().group_add === 'anyone');
    const t8 = cli('8', 'create-thread', '--name', 'group of eight', '1', '5');  // a stranger, now admitted
    await waitFor('the stranger\'s group under Requests', async () => folderIn(await view(A.page), t8) === 'requests' || { ok: false });

    state.phase = 'longpoll';
    A.ws.block();
    await waitFor('A on long polling', async () => { const v = await view(A.page); return v.mode === 'poll' || { ok: false, why: v.mode }; }, 20000);
    await A.page.click('#blocked-list li[data-user="6"] button.unblock');
    await socialIs(A.page, '6 unblocked over long polling', (s) => !s.blocked.includes('6'));
    if ((await contactList()).blocked.includes('6')) fail('not unblocked on the server');
    const t6b = cli('6', 'create-thread', '--name', 'six again', '1');
    cli('6', 'send', t6b, 'may I?');
    await requestShown(A.page, t6b, 'may I?');
    await openIn(A.page, 'requests', t6b);
    await A.page.click('#request-accept');
    await folderIs(A.page, t6b, 'inbox');
    if ((await serverFolder(t6b)) !== 'inbox') fail('not accepted over long polling');
    A.ws.unblock();
    await waitFor('A back on the WebSocket', async () => { const v = await view(A.page); return v.mode === 'live' || { ok: false, why: v.mode }; }, 20000);

    state.phase = 'offline';
    A.ws.block();
    await A.context.route('**/v1/**', (route) => route.abort());
    await waitFor('A offline', async () => (await view(A.page)).mode !== 'live' || { ok: false });
    await openIn(A.page, 'requests', t8);
    await A.page.click('#request-decline');
    await A.page.selectOption('#group-add', 'nobody');
    await waitFor('2 pending', async () => (await view(A.page)).pending === 2 || { ok: false });
    // Shown at once: the request is gone from Requests, the setting is nobody.
    await waitFor('the decline shown', async () => (!(await listed(A.page, t8)) && !(await A.page.isVisible('#requests-count'))) || { ok: false });
    await A.page.reload();
    await waitFor('still 2 pending after the reload', async () => { const v = await view(A.page); return (v && v.pending === 2) || { ok: false, why: v && v.pending }; });
    await A.page.click('#folder-archived');
    await waitFor('the declined request under Archived after the reload', async () => (await listed(A.page, t8)) || { ok: false });
    await A.page.click('#social-panel summary');  // closed by the reload
    await waitFor('the pending setting shown after the reload', async () => (await A.page.inputValue('#group-add')) === 'nobody' || { ok: false });
    await A.context.unroute('**/v1/**');
    A.ws.unblock();
    await waitFor('A live again', async () => (await view(A.page)).mode === 'live' || { ok: false }, 20000);
    await folderIs(A.page, t8, 'archived');
    await socialIs(A.page, 'the setting nobody', (s) => s.group_add === 'nobody');
    if ((await serverFolder(t8)) !== 'archived' || (await contactList()).group_add !== 'nobody') fail('the offline requests were not applied');

    state.phase = 'truth';
    const v = await H.sameAsServer('A', TOKEN, A.page);  // folders and social state included
    const other = JSON.parse(cli('1', '--json', 'threads')).threads;
    for (const t of v.threads) {
      const o = other.find((x) => x.id === t.thread);
      if (!o || o.folder !== t.folder) fail(`thread ${t.thread}: the other device has it in ${o && o.folder}, the page in ${t.folder}`);
    }
    if (other.length !== v.threads.length) fail(`the other device has ${other.length} threads, the page ${v.threads.length}`);
    const cl = await contactList();
    const want = JSON.stringify({ contacts: cl.contacts, blocked: cl.blocked, group_add: cl.group_add });
    if (JSON.stringify(v.social) !== want) fail(`the page's social state ${JSON.stringify(v.social)} != GET /v1/contacts ${want}`);
    if (JSON.stringify(otherSocial()) !== want) fail(`the other device's ${JSON.stringify(otherSocial())} != the server's ${want}`);
    console.log('ok');
  } finally {
    await browser.close();
  }
}

main().then(() => process.exit(0), (e) => fail(e && e.stack ? e.stack : String(e)));
