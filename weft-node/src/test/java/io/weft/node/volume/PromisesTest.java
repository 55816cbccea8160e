package io.weft.node.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.weft.node.NodeInfo;
import io.weft.node.NodeStatus;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a node may still promise: its pool's ratio, its promises, and its disk as last reported. */
class PromisesTest {
  static final long GIB = 1L << 30;

  private static NodeStatus node(String pool, Long diskFree) {
    return new NodeStatus(
        new NodeInfo(
            "n1",
            "u1",
            "127.0.0.1:4420",
            "127.0.0.1:4420",
            "127.0.0.1:9420",
            pool == null ? Map.of() : Map.of(NodeInfo.POOL, pool),
            10 * GIB,
            "test",
            0,
            0,
            0,
            diskFree),
        NodeStatus.State.UP);
  }

  @Test
  void aNodePromisesItsCapacityTimesItsPoolsRatioLessItsPromises() {
    Promises p = new Promises(Map.of("n1", 4 * GIB), Map.of("thin", 3.0));
    assertEquals(6 * GIB, p.free(node(null, null)), "default pool, ratio 1");
    assertEquals(26 * GIB, p.free(node("thin", null)));
    assertEquals(30 * GIB, p.limit(node("thin", null)));
  }

  @Test
  void aNearlyFullDiskTakesNoNewPromiseWhateverItsRatio() {
    Promises p = new Promises(Map.of("n1", 4 * GIB), Map.of("thin", 3.0));
    assertEquals(26 * GIB, p.free(node("thin", 2 * GIB)), "20% free: as the ratio says");
    assertEquals(0, p.free(node("thin", 100L << 20)), "under 5% free: nothing");
    Promises over = new Promises(Map.of("n1", 40 * GIB), Map.of("thin", 3.0));
    assertEquals(-10 * GIB, over.free(node("thin", 100L << 20)), "already over: says by how much");
  }
}
