// Ids travel as decimal strings (64-bit values lose precision as JavaScript numbers:
// docs/PROTOCOL.md "Encodings"); they are compared as BigInt.

export function cmpId(a, b) {
  const x = BigInt(a), y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function nextSeq(seq) { return (BigInt(seq) + 1n).toString(); }

// A ClientMsgId: 128 random bits as 32 lowercase hex digits.
export function newClientId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// A device token is "v1." base64url(user "\n" device "\n" expires) "." mac (src/net/token.h):
// the app reads who it is from the token it was given. Null when it is not one.
export function tokenClaims(token) {
  const parts = String(token).trim().split('.');
  if (parts.length !== 3 || parts[0] !== 'v1') return null;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const text = atob(b64 + '==='.slice((b64.length + 3) % 4));
    const [user, device, expires] = text.split('\n');
    if (!/^(0|[1-9][0-9]*)$/.test(user) || !device) return null;
    return { user, device, expires: Number(expires) };
  } catch (e) {
    return null;
  }
}
