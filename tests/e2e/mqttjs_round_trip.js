// MQTT.js against irisd: connect two clients with tokens (URL from IRIS_URL: mqtt:// or
// ws://), subscribe, publish QoS 0/1/2 and receive each; a subscription to another user's
// topic is refused (SUBACK 0x87, which MQTT.js reports as "Not authorized"). Prints "ok" and exits 0 on success; exits 1 with the reason.
const mqtt = require('mqtt');

const url = process.env.IRIS_URL;
const fail = (why) => { console.error('FAIL: ' + why); process.exit(1); };
setTimeout(() => fail('timed out'), 15000).unref();

const options = (device, token) => ({
  clientId: device, username: '42', password: token, protocolVersion: 5,
  reconnectPeriod: 0, connectTimeout: 5000,
});
const sub = mqtt.connect(url, options('js-sub', process.env.IRIS_TOKEN_SUB));
sub.on('error', (e) => fail('sub: ' + e.message));
sub.on('connect', () => {
  sub.subscribe('u/43/js', { qos: 1 }, (refused) => {
    if (!refused || !/not authori/i.test(refused.message)) {
      return fail('subscribing to another user was not refused: ' + refused);
    }
    subscribe_own();
  });
});
function subscribe_own() {
  sub.subscribe({ 'u/42/js': { qos: 2 } }, (err, granted) => {
    if (err) return fail('subscribe: ' + err.message);
    if (granted[0].qos !== 2) return fail('granted ' + JSON.stringify(granted));
    const pub = mqtt.connect(url, options('js-pub', process.env.IRIS_TOKEN_PUB));
    pub.on('error', (e) => fail('pub: ' + e.message));
    const want = ['q0', 'q1', 'q2'];
    const got = [];
    sub.on('message', (topic, payload) => {
      got.push(payload.toString());
      if (got.length === want.length) {
        if (JSON.stringify(got.sort()) !== JSON.stringify(want)) return fail('got ' + got);
        console.log('ok');
        pub.end(); sub.end();
        setTimeout(() => process.exit(0), 100);
      }
    });
    pub.on('connect', () => {
      for (const [i, m] of want.entries()) pub.publish('u/42/js', m, { qos: i });
    });
  });
}
