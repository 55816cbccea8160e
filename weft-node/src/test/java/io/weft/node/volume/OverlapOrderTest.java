package io.weft.node.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OverlapOrderTest {
  private final OverlapOrder order = new OverlapOrder();
  private final List<String> started = new ArrayList<>();
  private final List<OverlapOrder.Ticket> running = new ArrayList<>();

  private void admit(String name, long offset, long length) {
    order.admit(
        offset,
        length,
        t -> {
          started.add(name);
          running.add(t);
        });
  }

  private void complete(int index) {
    order.complete(running.get(index));
  }

  @Test
  void disjointOperationsRunAtOnce() {
    admit("a", 0, 4096);
    admit("b", 4096, 4096);
    admit("c", 1 << 20, 512);
    assertEquals(List.of("a", "b", "c"), started);
    assertEquals(3, order.inFlight());
  }

  @Test
  void anOverlappingOperationWaitsForTheEarlierOne() {
    admit("a", 0, 8192);
    admit("b", 4096, 512); // inside a
    admit("c", 8191, 2); // touches a's last byte
    assertEquals(List.of("a"), started);
    complete(0);
    assertEquals(List.of("a", "b", "c"), started);
    assertEquals(2, order.inFlight());
  }

  @Test
  void waitersKeepTheirOrderBehindEachOther() {
    admit("a", 0, 4096);
    admit("b", 0, 8192); // waits for a
    admit("c", 4096, 4096); // overlaps only b, which came first: waits for b
    admit("d", 16384, 4096); // overlaps nothing
    assertEquals(List.of("a", "d"), started);
    complete(0); // a
    assertEquals(List.of("a", "d", "b"), started);
    complete(2); // b
    assertEquals(List.of("a", "d", "b", "c"), started);
    complete(1); // d
    complete(3); // c
    assertEquals(0, order.inFlight());
  }

  @Test
  void adjacentRangesDoNotOverlap() {
    admit("a", 0, 4096);
    admit("b", 4096, 4096);
    admit("c", 0, 1);
    assertEquals(List.of("a", "b"), started);
    complete(1); // b: c does not wait on it
    assertEquals(List.of("a", "b"), started);
    complete(0);
    assertEquals(List.of("a", "b", "c"), started);
  }
}
