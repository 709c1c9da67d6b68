// Unit tests of the web app's route choice (route.js): which servers the WebSocket and the
// long poll go to after GET /v1/route.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressOf, chooseEndpoints, needsNewRoute } from '../js/route.js';

const page = { protocol: 'http:', host: '127.0.0.1:8080', hostname: '127.0.0.1', origin: 'http://127.0.0.1:8080' };
const owner = { user: '5', cell: 'c1', server: 'irisd-2', mqtt: '127.0.0.1:1884', http: '127.0.0.1:8081', ws: '127.0.0.1:8083', overridden: false };

test('an owner with a WebSocket listener gets the WebSocket and the long poll', () => {
  const e = chooseEndpoints({ route: owner, page, wsPort: 8082 });
  assert.deepEqual(e, { wsUrl: 'ws://127.0.0.1:8083/mqtt', apiBase: 'http://127.0.0.1:8081', server: 'irisd-2' });
});

test('an owner without a WebSocket listener gets the long poll; the WebSocket goes to the page server', () => {
  const e = chooseEndpoints({ route: { ...owner, ws: '' }, page, wsPort: 8082 });
  assert.equal(e.wsUrl, 'ws://127.0.0.1:8082/mqtt');
  assert.equal(e.apiBase, 'http://127.0.0.1:8081');
  assert.equal(e.server, 'irisd-2');
  // Neither listener: everything through the page's server, which relays.
  const none = chooseEndpoints({ route: { ...owner, ws: '', http: '' }, page, wsPort: 8082 });
  assert.deepEqual(none, { wsUrl: 'ws://127.0.0.1:8082/mqtt', apiBase: page.origin, server: null });
});

test('a failed lookup falls back to the page server', () => {
  assert.deepEqual(chooseEndpoints({ route: null, page, wsPort: 8082 }),
    { wsUrl: 'ws://127.0.0.1:8082/mqtt', apiBase: page.origin, server: null });
  assert.deepEqual(chooseEndpoints({ route: null, page, wsPort: 0 }), { wsUrl: null, apiBase: page.origin, server: null });
});

test('the page server as owner is reached at the page origin (no cross-origin request)', () => {
  const self = { ...owner, http: '127.0.0.1:8080', ws: '127.0.0.1:8082' };
  assert.deepEqual(chooseEndpoints({ route: self, page, wsPort: 8082 }),
    { wsUrl: 'ws://127.0.0.1:8082/mqtt', apiBase: page.origin, server: null });
});

test('after a redirect the new owner is used; the server that redirected us is avoided if the route is stale', () => {
  assert.equal(needsNewRoute({ reasonCode: 0x9c }), true);
  assert.equal(needsNewRoute({ reasonCode: 0x9d }), true);
  assert.equal(needsNewRoute({ wasUp: false }), true, 'a connect that failed asks again');
  assert.equal(needsNewRoute({ reasonCode: null, wasUp: true }), false);
  const redirectedFrom = addressOf('ws://127.0.0.1:8083/mqtt');
  assert.equal(redirectedFrom, '127.0.0.1:8083');
  const moved = { ...owner, server: 'irisd-3', http: '127.0.0.1:9081', ws: '127.0.0.1:9083' };
  assert.deepEqual(chooseEndpoints({ route: moved, page, wsPort: 8082, avoid: redirectedFrom }),
    { wsUrl: 'ws://127.0.0.1:9083/mqtt', apiBase: 'http://127.0.0.1:9081', server: 'irisd-3' });
  const stale = chooseEndpoints({ route: owner, page, wsPort: 8082, avoid: redirectedFrom });
  assert.equal(stale.wsUrl, 'ws://127.0.0.1:8082/mqtt', 'the page server relays meanwhile');
});

test('an https page never uses the route\'s plain addresses', () => {
  const secure = { protocol: 'https:', host: 'app.example.com', hostname: 'app.example.com', origin: 'https://app.example.com' };
  assert.deepEqual(chooseEndpoints({ route: owner, page: secure, wsPort: 8082 }),
    { wsUrl: 'ws://app.example.com:8082/mqtt', apiBase: secure.origin, server: null });
});

test('a ?ws= override is kept whatever the route says', () => {
  const e = chooseEndpoints({ route: owner, page, wsPort: 8082, wsOverride: 'ws://127.0.0.1:9999/mqtt' });
  assert.equal(e.wsUrl, 'ws://127.0.0.1:9999/mqtt');
  assert.equal(e.apiBase, 'http://127.0.0.1:8081');
});
