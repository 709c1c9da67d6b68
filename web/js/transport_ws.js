// MQTT over WebSocket (docs/PROTOCOL.md "Sync over MQTT"), JSON mapping, with MQTT.js
// (vendor/mqtt.min.js, bundled from npm at build time: no CDN, nothing fetched at run time).
// A delta batch is acknowledged (PUBACK) only after it is stored: MQTT.js's
// customHandleAcks holds the PUBACK until the engine has committed the batch, and MQTT.js
// handles the next packet only after that, so batches apply in order.
export class WsTransport {
  // hooks: onUp() once resumed, onDown(reason) when the connection ends (once), onTyping(t).
  // `library`: resolves true once MQTT.js is loaded. After onDown, `wasUp` tells whether it
  // ever resumed and `reasonCode` the MQTT 5 reason the server ended it with (a DISCONNECT's,
  // or a refusing CONNACK's: 0x9C is a redirect), null when none.
  constructor({ url, me, device, token, engine, library, hooks }) {
    Object.assign(this, { url, me, device, token, engine, library, hooks });
    this.client = null; this.closed = false; this.subscribed = new Set();
    this.wasUp = false; this.reasonCode = null;
  }

  async start() {
    if (!(await this.library)) return this.down('MQTT.js is not bundled');
    if (this.closed) return;
    performance.mark('iris-ws-lib');
    const client = this.client = mqtt.connect(this.url, {
      clientId: this.device, username: this.me, password: this.token, protocolVersion: 5,
      clean: true, reconnectPeriod: 0, connectTimeout: 4000, keepalive: 20,
      customHandleAcks: (topic, message, packet, done) => this.onPublish(topic, message).then(
        () => done(0), (e) => { console.warn('iris: batch not stored', e); done(0x80); this.restart('store failed'); }),
    });
    client.on('connect', () => this.onConnect());
    client.on('message', (topic, message) => this.onMessage(topic, message));
    client.on('disconnect', (packet) => {
      this.reasonCode = packet && typeof packet.reasonCode === 'number' ? packet.reasonCode : null;
      this.down('server disconnect');
    });
    client.on('error', (e) => {
      if (e && typeof e.code === 'number') this.reasonCode = e.code;  // a CONNACK's reason
      this.down(e && e.message ? e.message : 'error');
    });
    client.on('close', () => this.down('closed'));
    client.on('offline', () => this.down('offline'));
  }

  stop() {
    this.closed = true;
    if (this.client) this.client.end(true);
  }

  down(reason) {
    if (this.closed) return;
    this.closed = true;
    if (this.client) this.client.end(true);
    this.hooks.onDown(reason);
  }

  // A gap: this connection's stream is wrong from here; a new one resumes from what is stored.
  restart(reason) { this.down(reason); }

  publish(envelope, qos = 1) {
    return new Promise((resolve, reject) => {
      if (!this.client || this.closed) return reject(new Error('not connected'));
      this.client.publish(`u/${this.me}/sync`, JSON.stringify(envelope), { qos }, (e) => (e ? reject(e) : resolve()));
    });
  }

  // SUBSCRIBE and the resume go out back to back, not one round trip apart: the server
  // handles a connection's packets in order, so the subscriptions exist before the resume is
  // read (a refused one still ends the connection).
  async onConnect() {
    performance.mark('iris-ws-connected');
    const topics = { [`u/${this.me}/deltas`]: { qos: 1 }, [`u/${this.me}/responses`]: { qos: 0 } };
    this.client.subscribe(topics, (err, granted) => {
      if (err || (granted || []).some((g) => g.qos & 0x80)) this.down('subscribe failed');
    });
    const { epoch, seq } = await this.engine.resumePosition();  // a snapshot may be on its way
    if (this.closed) return;
    this.publish({ resume_request: { epoch, last_seq: seq, max_updates: this.engine.maxUpdates, skip_own: false, protocol_version: 6 } })
      .then(() => {
        if (this.closed) return;
        this.wasUp = true;
        this.hooks.onUp();
        this.flushOutbox();
        this.watchTyping();
      }, () => this.down('resume failed'));
  }

  // Sends what the server has not answered and this connection has not sent yet (a lost
  // answer is recovered on the next connection, by the same client id).
  flushOutbox() {
    this.sent = this.sent || new Set();
    for (const e of this.engine.unanswered()) {
      if (this.sent.has(e.client_id)) continue;
      this.sent.add(e.client_id);
      this.publish(this.engine.constructor.sendEnvelope(e)).catch(() => {});
    }
  }

  // Typing of every thread the user is in (t/<thread>/typing/json: the server's JSON twin).
  watchTyping() {
    if (!this.client || this.closed) return;
    for (const id of Object.keys(this.engine.threads)) {
      if (this.subscribed.has(id)) continue;
      this.subscribed.add(id);
      this.client.subscribe(`t/${id}/typing/json`, { qos: 0 });
    }
  }

  typing(thread, active) {
    if (!this.client || this.closed) return;
    this.client.publish(`t/${thread}/typing`, JSON.stringify({ typing: { thread, user: this.me, active } }), { qos: 0 });
  }

  async onPublish(topic, message) {
    if (topic !== `u/${this.me}/deltas`) return;
    const env = JSON.parse(message.toString());
    if (env.delta_batch) {
      const verdict = await this.engine.delta(env.delta_batch);
      if (verdict === 'gap') this.restart('gap');
      else this.watchTyping();
    } else if (env.resync) {
      const r = await this.engine.resync(env.resync);
      if (r && r.retryAfterMs) { this.down('resync temporary'); this.hooks.retryAfter && this.hooks.retryAfter(r.retryAfterMs); }
      else if (r === 'resume') this.restart('resynced');
    }
  }

  onMessage(topic, message) {
    let env;
    try { env = JSON.parse(message.toString()); } catch (e) { return; }
    if (topic === `u/${this.me}/responses`) {
      if (env.send_result) this.engine.result(env.send_result);
      else if (env.error) this.engine.error(env.error);
    } else if (topic.endsWith('/typing/json') && env.typing) {
      this.hooks.onTyping(env.typing);
    } else if (topic === `u/${this.me}/deltas` && env.badge) {
      this.engine.setBadge(env.badge);  // QoS 0, after the batches before it
    } else if (topic === `u/${this.me}/deltas` && env.heartbeat) {
      // A heartbeat whose head is past us twice with nothing in between: stalled. The
      // engine's seq moved if a batch came between.
      const behind = BigInt(env.heartbeat.head) > BigInt(this.engine.pos.seq);
      if (behind && this.lastBehind === this.engine.pos.seq) this.restart('stalled');
      this.lastBehind = behind ? this.engine.pos.seq : null;
    }
  }
}
