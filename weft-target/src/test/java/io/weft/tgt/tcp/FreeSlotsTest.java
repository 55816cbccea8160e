package io.weft.tgt.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FreeSlotsTest {
  @Test
  void slotsComeBackInTheOrderTheyWereFreed() {
    FreeSlots free = new FreeSlots(4);
    assertEquals(0, free.take());
    assertEquals(1, free.take());
    assertEquals(2, free.count());
    free.put(1);
    free.put(0);
    // 2 and 3 were free longer than 1 and 0.
    assertEquals(2, free.take());
    assertEquals(3, free.take());
    assertEquals(1, free.take());
    assertEquals(0, free.take());
    assertEquals(0, free.count());
  }

  @Test
  void theRingWrapsAroundManyTimes() {
    FreeSlots free = new FreeSlots(3);
    int[] inUse = {free.take(), free.take()};
    for (int i = 0; i < 100; i++) {
      free.put(inUse[i % 2]);
      inUse[i % 2] = free.take();
      assertEquals(1, free.count());
    }
    free.put(inUse[0]);
    free.put(inUse[1]);
    assertEquals(3, free.count());
  }
}
