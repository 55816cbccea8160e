package io.weft.protocol.tls;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs refused TLS handshakes once per peer address and identity in a window (10 minutes), so a
 * host retrying with a wrong key every few seconds leaves one line, not a line per attempt; the
 * next line after the window says how many were left out. Thread-safe; bounded (forgets everything
 * past 4096 keys).
 */
public final class RejectionLog {
  private static final Logger log = LoggerFactory.getLogger(RejectionLog.class);
  private static final int MAX_KEYS = 4096;

  private final long windowNanos;
  private final LongSupplier clock;
  private final Map<String, long[]> seen = new ConcurrentHashMap<>();

  public RejectionLog() {
    this(TimeUnit.MINUTES.toNanos(10), System::nanoTime);
  }

  RejectionLog(long windowNanos, LongSupplier clock) {
    this.windowNanos = windowNanos;
    this.clock = clock;
  }

  /**
   * Records a refused handshake; logs it unless the same address and identity were logged within
   * the window. Returns whether a line was written.
   */
  public boolean refused(String address, String identity, String reason) {
    String key = address + "\n" + identity;
    long now = clock.getAsLong();
    if (seen.size() > MAX_KEYS) {
      seen.clear();
    }
    long[] entry = seen.computeIfAbsent(key, k -> new long[] {now - windowNanos - 1, 0});
    long suppressed;
    synchronized (entry) {
      if (now - entry[0] <= windowNanos) {
        entry[1]++;
        return false;
      }
      suppressed = entry[1];
      entry[0] = now;
      entry[1] = 0;
    }
    log.warn(
        "TLS handshake from {} refused (identity {}): {}{}",
        address,
        identity.isEmpty() ? "none" : identity,
        reason,
        suppressed > 0 ? " (" + suppressed + " more refused since the last report)" : "");
    return true;
  }
}
