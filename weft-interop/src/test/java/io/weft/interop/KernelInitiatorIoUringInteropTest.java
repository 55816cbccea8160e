package io.weft.interop;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The whole kernel initiator suite again with the target's file namespace on the io_uring engine:
 * discovery and identify, digests, ext4 across a target restart, fio verify at 4 KiB and 128 KiB,
 * and the rest, with every read, write and flush the Linux host sends going through the ring.
 */
class KernelInitiatorIoUringInteropTest extends KernelInitiatorInteropTest {
  @Override
  protected List<String> targetOptions() {
    return List.of("--io-engine", "io_uring");
  }

  @Override
  protected String runName() {
    return "kernel-initiator-io-uring";
  }

  @Test
  void everyStartOfTheTargetRanItsFilesOnTheRing() throws Exception {
    List<Path> logs = targetLogs();
    assertTrue(logs.size() >= 2, "the suite starts the target and restarts it: " + logs);
    for (Path log : logs) {
      assertTrue(
          Files.readString(log).contains("file namespaces use io_uring"),
          log + " does not say the ring was in use");
    }
  }
}
