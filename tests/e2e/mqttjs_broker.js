// MQTT.js against irisd's broker (tests/e2e/cases_broker.py): an anonymous client subscribes
// '#' (granted, not refused) and a shared subscription with a second member; an Iris user
// (IRIS_TOKEN, user 42) publishes on its own u/42/ topic, an anonymous one on the public
// space. '#' must see the public messages only, and the group each message once.
// Prints "ok" and exits 0 on success; exits 1 with the reason.
const mqtt = require('mqtt');

const url = process.env.IRIS_URL;
const fail = (why) => { console.error('FAIL: ' + why); process.exit(1); };
setTimeout(() => fail('timed out'), 15000).unref();

const opts = (id, extra) => Object.assign({ clientId: id, protocolVersion: 5,
  reconnectPeriod: 0, connectTimeout: 5000 }, extra || {});
const connected = (c) => new Promise((ok) => c.on('connect', (ack) => ok(ack)));
const subscribed = (c, filter) => new Promise((ok) => c.subscribe(filter, { qos: 1 },
  (err, granted) => {
    if (err) fail('subscribe ' + filter + ': ' + err.message);
    if (granted[0].qos >= 0x80) fail('refused ' + filter + ': ' + JSON.stringify(granted));
    ok();
  }));

(async () => {
  const all = mqtt.connect(url, opts('js-all'));
  const w1 = mqtt.connect(url, opts('js-w1'));
  const w2 = mqtt.connect(url, opts('js-w2'));
  const ack = await connected(all);
  if (ack.properties && ack.properties.sharedSubscriptionAvailable === false) {
    fail('SharedSubscriptionAvailable is 0');
  }
  await Promise.all([connected(w1), connected(w2)]);
  await subscribed(all, '#');
  await subscribed(w1, '$share/js/work/#');
  await subscribed(w2, '$share/js/work/#');
  const seen = [];
  const shared = [];
  all.on('message', (t) => seen.push(t));
  w1.on('message', (t) => shared.push('w1 ' + t));
  w2.on('message', (t) => shared.push('w2 ' + t));
  const iris = mqtt.connect(url, opts('js-iris', { username: '42', password: process.env.IRIS_TOKEN }));
  await connected(iris);
  iris.publish('u/42/secret', 'private', { qos: 1 });
  const pub = mqtt.connect(url, opts('js-pub'));
  await connected(pub);
  for (let i = 0; i < 6; ++i) pub.publish('work/' + i, 'job', { qos: 1 });
  pub.publish('done', 'x', { qos: 1 });
  const deadline = Date.now() + 8000;
  while (!seen.includes('done') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 200));
  if (seen.some((t) => t.startsWith('u/') || t.startsWith('t/') || t.startsWith('$'))) {
    fail("'#' saw Iris topics: " + seen);
  }
  if (seen.filter((t) => t.startsWith('work/')).length !== 6) fail("'#' saw " + seen);
  const jobs = shared.map((s) => s.split(' ')[1]).sort();
  if (JSON.stringify(jobs) !== JSON.stringify([0, 1, 2, 3, 4, 5].map((i) => 'work/' + i))) {
    fail('shared group got ' + shared);
  }
  if (!shared.some((s) => s.startsWith('w1')) || !shared.some((s) => s.startsWith('w2'))) {
    fail('one member got everything: ' + shared);
  }
  console.log('ok');
  for (const c of [all, w1, w2, iris, pub]) c.end();
  setTimeout(() => process.exit(0), 100);
})();
