package io.weft.tgt.core;

import io.weft.tgt.config.DhchapKeys;
import java.util.ArrayList;
import java.util.List;

/**
 * The DH-HMAC-CHAP keys a subsystem accepts from one host: the current pair and, for a grace window
 * after a rotation, the pair it replaced. Hosts still holding the old key keep connecting and
 * re-authenticating until the window ends; then only the new key works. Immutable: a rotation makes
 * a new ring.
 *
 * @param current the keys set last
 * @param previous the keys they replaced, or null
 * @param previousUntilMillis wall-clock end of the grace window for {@code previous}
 */
public record HostKeyring(DhchapKeys current, DhchapKeys previous, long previousUntilMillis) {

  public static HostKeyring of(DhchapKeys keys) {
    return new HostKeyring(keys, null, 0);
  }

  /** A ring with {@code next} current and this ring's current key kept for {@code graceMillis}. */
  public HostKeyring rotate(DhchapKeys next, long nowMillis, long graceMillis) {
    if (graceMillis <= 0) {
      return of(next);
    }
    return new HostKeyring(next, current, nowMillis + graceMillis);
  }

  /** The keys a host may authenticate with now: the current pair first. */
  public List<DhchapKeys> accepted(long nowMillis) {
    List<DhchapKeys> keys = new ArrayList<>(2);
    keys.add(current);
    if (previous != null && nowMillis < previousUntilMillis) {
      keys.add(previous);
    }
    return keys;
  }

  /** Whether an old key is still accepted. */
  public boolean inGrace(long nowMillis) {
    return previous != null && nowMillis < previousUntilMillis;
  }
}
