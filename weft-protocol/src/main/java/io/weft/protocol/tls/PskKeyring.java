package io.weft.protocol.tls;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A target's configured TLS PSKs, one per host NQN ({@code --tls-key HOSTNQN=NVMeTLSkey-1:...}),
 * and the TLS PSK each identity a host offers resolves to. Keys can be replaced while the target
 * runs; a handshake uses the key present when the host's ClientHello arrived.
 */
public final class PskKeyring {
  private final Map<String, ConfiguredPsk> byHost = new ConcurrentHashMap<>();

  public PskKeyring() {}

  public PskKeyring(Map<String, ConfiguredPsk> keys) {
    byHost.putAll(keys);
  }

  public void put(String hostNqn, ConfiguredPsk key) {
    byHost.put(hostNqn, key);
  }

  public void remove(String hostNqn) {
    byHost.remove(hostNqn);
  }

  /** Adds every key of this ring to {@code other}. */
  public void copyInto(PskKeyring other) {
    other.byHost.putAll(byHost);
  }

  public boolean isEmpty() {
    return byHost.isEmpty();
  }

  /** Host NQN → key fingerprint, for listings (never the key). */
  public Map<String, String> fingerprints() {
    Map<String, String> out = new java.util.TreeMap<>();
    byHost.forEach((h, k) -> out.put(h, k.fingerprint()));
    return out;
  }

  /**
   * The TLS PSK for an identity, or null when its host has no key, or the key's hash is not the
   * identity's, or (version 1) the digest does not match the key.
   */
  byte[] tlsPsk(PskIdentity id) {
    ConfiguredPsk key = byHost.get(id.hostNqn());
    if (key == null || key.hash() != id.hash()) {
      return null;
    }
    byte[] retained = key.retained(id.hostNqn());
    try {
      if (id.version() == 1
          && !PskDerivation.digest(id.hash(), retained, id.hostNqn(), id.subNqn())
              .equals(id.digest())) {
        return null;
      }
      return PskDerivation.tlsPsk(retained, id);
    } finally {
      Arrays.fill(retained, (byte) 0);
    }
  }
}
