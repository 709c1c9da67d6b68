// Unit tests of the long-poll transport (transport_poll.js) with a scripted API: typing
// signals travel both ways over plain HTTP (docs/PROTOCOL.md "Long polling").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PollTransport } from '../js/transport_poll.js';

// Answers polls from `answers` (then holds until aborted) and records every request.
function scripted(answers) {
  const api = {
    polls: [], requests: [],
    async poll(epoch, seq, maxUpdates, timeoutMs, signal) {
      api.polls.push({ epoch, seq });
      if (answers.length) return answers.shift();
      return new Promise((res, rej) => signal.addEventListener('abort', () => rej(new Error('aborted'))));
    },
    async request(envelope) { api.requests.push(envelope); return null; },
  };
  const engine = {
    me: '1', maxUpdates: 0, applied: [],
    async resumePosition() { return { epoch: '7', seq: '3' }; },
    unanswered() { return []; },
    async delta(b) { engine.applied.push(b); },
  };
  return { api, engine };
}

test('a typing answer to a poll is shown and the next poll stays at the same position', async () => {
  const { api, engine } = scripted([{ typing: { thread: '5', user: '2', active: true } }]);
  const shown = [];
  const t = new PollTransport({ api, engine, hooks: { onUp() {}, onDown() {}, onTyping: (x) => shown.push(x) } });
  t.start();
  for (let i = 0; i < 50 && api.polls.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
  t.stop();
  assert.deepEqual(shown, [{ thread: '5', user: '2', active: true }]);
  assert.deepEqual(api.polls, [{ epoch: '7', seq: '3' }, { epoch: '7', seq: '3' }]);
  assert.deepEqual(engine.applied, []);
});

test('typing while polling goes to POST /v1/requests as an Envelope typing, and not once stopped', async () => {
  const { api, engine } = scripted([]);
  const t = new PollTransport({ api, engine, hooks: { onUp() {}, onDown() {} } });
  t.start();
  t.typing('5', true);
  t.stop();
  t.typing('5', false);
  assert.deepEqual(api.requests, [{ typing: { thread: '5', user: '1', active: true } }]);
});
