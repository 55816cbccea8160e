package io.weft.node;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named points in multi-step work (exporting a volume, removing one, growing one) where a test may
 * make the process die as kill -9 would: at once, without shutdown hooks, lease revocation or a
 * flushed buffer. The crash tests start a node with {@code WEFT_FAILPOINT=<name>} (or the system
 * property {@code weft.failpoint}) and check that, after a restart, the work completed or was
 * undone and nothing was left behind. Unset, every point is a string comparison against null.
 */
public final class Failpoints {
  private static final Logger log = LoggerFactory.getLogger(Failpoints.class);
  private static final String ARMED =
      System.getProperty("weft.failpoint", System.getenv("WEFT_FAILPOINT"));

  private Failpoints() {}

  /** Dies here if this is the armed point. */
  public static void reach(String name) {
    if (name.equals(ARMED)) {
      log.warn("failpoint {} reached: halting as kill -9 would", name);
      Runtime.getRuntime().halt(137);
    }
  }
}
