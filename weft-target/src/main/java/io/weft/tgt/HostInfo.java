package io.weft.tgt;

/**
 * What the management interface reports about one allowed host of a subsystem. Secrets are never
 * shown: only their fingerprints (the first 8 bytes of SHA-256 over the key, in hex).
 *
 * @param nqn the host NQN
 * @param dhchapKey the fingerprint of the host's DH-HMAC-CHAP secret, or null if it need not
 *     authenticate
 * @param dhchapCtrlKey the fingerprint of the controller secret, or null
 * @param previousDhchapKey the fingerprint of the key a rotation replaced while it is still
 *     accepted, else null
 * @param previousAcceptedUntil when the previous key stops being accepted (ISO-8601), or null
 */
public record HostInfo(
    String nqn,
    String dhchapKey,
    String dhchapCtrlKey,
    String previousDhchapKey,
    String previousAcceptedUntil) {}
