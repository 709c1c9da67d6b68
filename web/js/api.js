// The HTTP API (docs/PROTOCOL.md "HTTP API"), JSON mapping: snapshot, history pages,
// requests without MQTT, and the long poll.
export class HttpError extends Error {
  constructor(status, envelope) {
    super(`HTTP ${status}${envelope && envelope.error ? ': ' + envelope.error.text : ''}`);
    this.status = status; this.envelope = envelope;
  }
}

export class Api {
  // `prefetched`: Response promises (null when the request failed) of requests index.html made
  // before the modules loaded, each used by the first call only: `snapshot` (GET
  // /v1/snapshot?messages=20) and `route` (GET /v1/route).
  constructor(base, token, prefetched = {}) {
    this.base = base; this.token = token; this.prefetched = { ...prefetched };
    // The snapshot's JSON is parsed as soon as it arrives, not when the engine asks for it.
    const snap = this.prefetched.snapshot;
    if (snap) this.prefetched.snapshot = snap.then((r) => (r && r.ok ? r.json() : null)).catch(() => null);
  }

  async call(path, { method = 'GET', body, signal } = {}) {
    const headers = { Authorization: 'Bearer ' + this.token, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal, cache: 'no-store' });
    if (r.status === 204) return null;
    const text = await r.text();
    let env = null;
    try { env = text ? JSON.parse(text) : null; } catch (e) { env = null; }
    if (!r.ok) throw new HttpError(r.status, env);
    return env;
  }

  async snapshot(messages = 20) {
    const early = messages === 20 && this.prefetched.snapshot;
    this.prefetched.snapshot = null;
    const env = early && (await early);
    if (env && env.snapshot) return env.snapshot;  // else asked again: the error, as it is now
    return (await this.call(`/v1/snapshot?messages=${messages}`)).snapshot;
  }
  async threadPage(thread, before, limit = 50) {
    const q = before ? `?before=${before}&limit=${limit}` : `?limit=${limit}`;
    return (await this.call(`/v1/threads/${thread}/messages${q}`)).thread_page;
  }
  // A request Envelope (send_request, read_request, ...): its send_result, or HttpError
  // carrying the error Envelope.
  async request(envelope) { return this.call('/v1/requests', { method: 'POST', body: envelope }); }
  async badge() { return (await this.call('/v1/badge')).badge; }
  // GET /v1/route (docs/PROTOCOL.md "Discovery"): where the user's owner is ({cell, server,
  // mqtt, http, ws, ...}), or null when it cannot be told within `timeoutMs` (a server in no
  // cell answers 404, an unknown owner 503): the caller then uses the page's own server.
  async route(timeoutMs = 2000) {
    const early = this.prefetched.route;
    this.prefetched.route = null;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      if (!early) return await this.call('/v1/route', { signal: abort.signal });
      const gaveUp = new Promise((resolve) => abort.signal.addEventListener('abort', () => resolve(null)));
      const r = await Promise.race([early, gaveUp]);
      return r && r.ok ? await Promise.race([r.json(), gaveUp]) : null;
    } catch (e) { return null; } finally { clearTimeout(timer); }
  }

  // Uploads a file to POST /v1/blobs (docs/PROTOCOL.md "Blobs"): resolves to the server's
  // {blob, size, content_type, deduplicated}, or rejects with an HttpError (413 too large,
  // 415 a type the server does not take). XMLHttpRequest, not fetch: only it reports upload
  // progress (`onProgress(sent, total)`).
  upload(file, onProgress = () => {}) {
    return new Promise((resolve, reject) => {
      const x = new XMLHttpRequest();
      x.open('POST', this.base + '/v1/blobs');
      x.setRequestHeader('Authorization', 'Bearer ' + this.token);
      x.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
      x.upload.onprogress = (ev) => onProgress(ev.loaded, ev.total || file.size);
      x.onload = () => {
        let body = null;
        try { body = JSON.parse(x.responseText); } catch (e) { body = null; }
        if (x.status === 200 && body && body.blob) resolve(body); else reject(new HttpError(x.status, body));
      };
      x.onerror = () => reject(new HttpError(0, null));
      x.send(file);
    });
  }

  // The bytes of an attachment (GET /v1/blobs/{id}), as a Blob of its type. The token goes
  // in the header, so an <img> or a link cannot fetch it by itself: the page makes an object
  // URL of this.
  async blob(id) {
    const r = await fetch(`${this.base}/v1/blobs/${id}`, { headers: { Authorization: 'Bearer ' + this.token } });
    if (!r.ok) throw new HttpError(r.status, null);
    return r.blob();
  }

  // One Envelope (delta_batch or resync) after (epoch, seq), or null when the wait ran out.
  async poll(epoch, seq, maxUpdates, timeoutMs, signal) {
    return this.call(`/v1/poll?epoch=${epoch}&seq=${seq}&max_updates=${maxUpdates}&timeout_ms=${timeoutMs}`, { signal });
  }
}
