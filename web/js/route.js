// Where the web app connects (docs/CLIENT.md "The web app", docs/PROTOCOL.md "Discovery"):
// GET /v1/route, asked of the page's own server (any server answers for any user), names the
// user's owner; the WebSocket goes to the owner's `ws` address and long polls to its `http`
// address, so neither is relayed by the page's server. Anything unusable falls back to the
// page's own server, which relays to the owner: no route (a lookup that failed, a server in
// no cell), an owner without that listener, an https page (the route's addresses are plain
// ports: a browser blocks ws:// and http:// from it), or the address that just failed or
// redirected us. Pure: main.js does the lookups and the connecting.

// route: the /v1/route answer, or null when the lookup failed.
// page: { protocol, host, hostname, origin } (location).
// wsPort: config.json's ws_port (0/undefined: the page's server has no WebSocket listener).
// wsOverride: the ?ws= URL given to the page (tests), used as it is.
// avoid: a "host:port" the last connection failed on or was redirected away from, or null.
// Returns { wsUrl (null: none, long polling only), apiBase (of the long poll and requests),
// server (the owner's name, null when not routed) }.
export function chooseEndpoints({ route, page, wsPort, wsOverride = null, avoid = null }) {
  const pageWs = wsPort ? `ws://${page.hostname}:${wsPort}/mqtt` : null;
  const routed = route && page.protocol === 'http:' ? route : null;
  const usable = (addr) => typeof addr === 'string' && addr !== '' && addr !== avoid;
  let wsUrl = wsOverride || pageWs;
  if (!wsOverride && routed && usable(routed.ws)) wsUrl = `ws://${routed.ws}/mqtt`;
  // The page's own host answers without a cross-origin request (no CORS needed).
  let apiBase = page.origin;
  if (routed && usable(routed.http) && routed.http !== page.host) apiBase = `http://${routed.http}`;
  const server = routed && (wsUrl !== (wsOverride || pageWs) || apiBase !== page.origin) ? routed.server : null;
  return { wsUrl, apiBase, server };
}

// The "host:port" of a ws:// or http:// URL (what `avoid` names), or null.
export function addressOf(url) {
  if (!url) return null;
  const m = /^[a-z]+:\/\/([^/]+)/.exec(url);
  return m ? m[1] : null;
}

// Whether a connection's end asks for a new route before the next connect: an MQTT 5
// redirect (DISCONNECT or CONNACK 0x9C "use another server", 0x9D "server moved"), or a
// connection that never came up (the owner may have changed or died).
export function needsNewRoute({ reasonCode = null, wasUp = true } = {}) {
  return reasonCode === 0x9c || reasonCode === 0x9d || !wasUp;
}
