// Reconnect waits: exponential with equal jitter, as the SDK's client::Backoff (docs/CLIENT.md):
// the n-th failure waits a random time in [cap/2, cap], cap = min(max, initial * 2^n).
export class Backoff {
  constructor(initialMs = 250, maxMs = 15000, random = Math.random) {
    this.initial = initialMs; this.max = maxMs; this.random = random; this.failures = 0;
  }
  next() {
    const cap = Math.min(this.max, this.initial * 2 ** Math.min(this.failures, 30));
    this.failures++;
    return cap / 2 + this.random() * (cap / 2);
  }
  reset() { this.failures = 0; }
}
