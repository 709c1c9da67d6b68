// Long polling (docs/PROTOCOL.md "Long polling"): GET /v1/poll?epoch=&seq= answers one
// Envelope (delta_batch, resync, or a typing signal of a thread the user is in) after the
// position held, or 204 when its wait ran out; the next poll's seq acknowledges what was
// stored. Requests (typing too) go to POST /v1/requests and their results come back in the
// answer. Used while the WebSocket does not work.
export class PollTransport {
  constructor({ api, engine, hooks }) {
    Object.assign(this, { api, engine, hooks });
    this.running = false; this.abort = null; this.up = false;
  }

  start() {
    this.running = true;
    this.loop();
  }

  stop() {
    this.running = false;
    if (this.abort) this.abort.abort();
  }

  async loop() {
    let failures = 0;
    while (this.running) {
      try {
        this.abort = new AbortController();
        const { epoch, seq } = await this.engine.resumePosition();
        if (!this.up) {
          this.up = true;
          this.hooks.onUp();
        }
        if (this.engine.unanswered().length) this.flushOutbox();  // also retries failed requests
        const env = await this.api.poll(epoch, seq, this.engine.maxUpdates, 20000, this.abort.signal);
        failures = 0;
        if (!this.running || !env) continue;
        if (env.delta_batch) {
          await this.engine.delta(env.delta_batch);  // a gap needs nothing more: the next poll resumes
        } else if (env.typing) {
          if (this.hooks.onTyping) this.hooks.onTyping(env.typing);  // the same position polls again
        } else if (env.resync) {
          const r = await this.engine.resync(env.resync);
          if (r && r.retryAfterMs) await new Promise((res) => setTimeout(res, r.retryAfterMs));
        }
      } catch (e) {
        if (!this.running) break;
        if (this.up) { this.up = false; this.hooks.onDown(e.message || 'poll failed'); }
        failures++;
        await new Promise((res) => setTimeout(res, Math.min(10000, 250 * 2 ** failures) * (0.5 + Math.random() / 2)));
      }
    }
  }

  // One request at a time per send, none twice at once; a failed one goes again on the next
  // flush (a send, or the transport coming up).
  async flushOutbox() {
    this.inFlight = this.inFlight || new Set();
    for (const e of this.engine.unanswered()) {
      if (!this.running) return;
      if (this.inFlight.has(e.client_id)) continue;
      this.inFlight.add(e.client_id);
      await this.request(this.engine.constructor.sendEnvelope(e)).catch(() => {});
      this.inFlight.delete(e.client_id);
    }
  }

  async request(envelope) {
    try {
      const env = await this.api.request(envelope);
      if (env && env.send_result) await this.engine.result(env.send_result);
    } catch (e) {
      if (e.envelope && e.envelope.error) await this.engine.error(e.envelope.error);
      throw e;
    }
  }

  // A typing signal: live only, so one lost (or refused over the server's rate) is not sent
  // again. The server stamps the user.
  typing(thread, active) {
    if (!this.running) return;
    this.api.request({ typing: { thread, user: this.engine.me || '0', active } }).catch(() => {});
  }
}
