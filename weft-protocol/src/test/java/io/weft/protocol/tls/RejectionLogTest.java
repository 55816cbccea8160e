package io.weft.protocol.tls;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RejectionLogTest {
  @Test
  void logsOncePerAddressAndIdentityPerWindow() {
    AtomicLong now = new AtomicLong();
    RejectionLog log = new RejectionLog(1000, now::get);
    assertTrue(log.refused("10.0.0.1", "NVMe0R01 h s", "bad binder"));
    for (int i = 0; i < 100; i++) {
      now.addAndGet(5);
      assertFalse(log.refused("10.0.0.1", "NVMe0R01 h s", "bad binder"));
    }
    assertTrue(log.refused("10.0.0.2", "NVMe0R01 h s", "bad binder"), "another address");
    assertTrue(log.refused("10.0.0.1", "NVMe0R01 h2 s", "unknown"), "another identity");
    now.addAndGet(1000);
    assertTrue(log.refused("10.0.0.1", "NVMe0R01 h s", "bad binder"), "after the window");
  }
}
