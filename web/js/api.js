// The HTTP API (docs/PROTOCOL.md "HTTP API"), JSON mapping: snapshot, history pages,
// requests without MQTT, and the long poll.
export class HttpError extends Error {
  constructor(status, envelope) {
    super(`HTTP ${status}${envelope && envelope.error ? ': ' + envelope.error.text : ''}`);
    this.status = status; this.envelope = envelope;
  }
}

export class Api {
  constructor(base, token) { this.base = base; this.token = token; }

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

  async snapshot(messages = 20) { return (await this.call(`/v1/snapshot?messages=${messages}`)).snapshot; }
  async threadPage(thread, before, limit = 50) {
    const q = before ? `?before=${before}&limit=${limit}` : `?limit=${limit}`;
    return (await this.call(`/v1/threads/${thread}/messages${q}`)).thread_page;
  }
  // A request Envelope (send_request, read_request, ...): its send_result, or HttpError
  // carrying the error Envelope.
  async request(envelope) { return this.call('/v1/requests', { method: 'POST', body: envelope }); }
  // One Envelope (delta_batch or resync) after (epoch, seq), or null when the wait ran out.
  async poll(epoch, seq, timeoutMs, signal) {
    return this.call(`/v1/poll?epoch=${epoch}&seq=${seq}&max_updates=10000&timeout_ms=${timeoutMs}`, { signal });
  }
}
