package io.weft.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.host.ConnectOptions;
import io.weft.host.Discovery;
import io.weft.host.HostController;
import io.weft.host.NvmeNamespace;
import io.weft.protocol.discovery.DiscoveryLogEntry;
import io.weft.protocol.discovery.DiscoveryLogPage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Weft's Java host against the Linux kernel's own NVMe/TCP target (nvmet-tcp in a qemu guest,
 * reached through a forwarded loopback port): discovery, connect with and without digests,
 * identify, and a 64 MiB pattern written with mixed block sizes and read back.
 *
 * <p>Discovery entries from the guest carry the guest's own address (10.0.2.x), which exists only
 * inside qemu: the test checks them but always connects to the forwarded port.
 */
@Tag("interop")
@ExtendWith(LinuxPeerCondition.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JavaHostKernelTargetInteropTest {
  static final String NQN = "nqn.2014-08.io.weft:kernel-target";

  private final LinuxPeer peer = LinuxPeer.locate();
  private LinuxPeer.Guest guest;
  private Path share;
  private int port;

  @BeforeAll
  void bootKernelTarget() throws Exception {
    Path runDir = Interop.newRunLogDir("kernel-target");
    share = Files.createDirectories(runDir.resolve("share"));
    port = Interop.freePort();
    Path script = Interop.moduleDir().resolve("src/test/guest/kernel-target-for-java-host.sh");
    guest =
        peer.boot(
            new LinuxPeer.GuestSpec(script)
                .share(share)
                .hostForward(port, 4420)
                .env("NQN", NQN)
                .timeout(Duration.ofMinutes(15))
                .log(runDir.resolve("guest.log")));
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (!Files.exists(share.resolve("ready"))) {
      if (!guest.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError(
            "kernel target did not come up; guest log "
                + guest.log()
                + ":\n"
                + Interop.tail(guest.log(), 40));
      }
      Thread.sleep(200);
    }
  }

  @AfterAll
  void stopGuest() throws Exception {
    if (share != null) {
      Files.writeString(share.resolve("done"), "");
    }
    if (guest != null) {
      guest.waitFor(Duration.ofSeconds(60));
      guest.close();
    }
  }

  private ConnectOptions options(boolean digests) {
    UUID id = UUID.nameUUIDFromBytes("weft-interop-java-host".getBytes());
    return ConnectOptions.defaults("127.0.0.1", port, NQN)
        .withHost("nqn.2014-08.org.nvmexpress:uuid:" + id, id)
        .withDigests(digests, digests)
        .withQueues(2, 64)
        .withIoTimeout(60);
  }

  @Test
  void discoveryListsTheKernelSubsystem() throws Exception {
    DiscoveryLogPage page = Discovery.discover(options(false));
    DiscoveryLogEntry entry =
        page.entries().stream()
            .filter(e -> e.subtype() == DiscoveryLogEntry.SUBTYPE_NVM)
            .filter(e -> e.subsystemNqn().equals(NQN))
            .findFirst()
            .orElseThrow(() -> new AssertionError("subsystem missing from " + page.entries()));
    assertEquals(DiscoveryLogEntry.TRTYPE_TCP, entry.trtype());
    assertEquals("4420", entry.trsvcid());
  }

  @ParameterizedTest(name = "digests={0}, disableSqFlow={1}")
  @CsvSource({"false,false", "true,false", "true,true"})
  void writes64MiBWithMixedSizesAndReadsThemBack(boolean digests, boolean disableSqFlow)
      throws Exception {
    try (HostController c =
        HostController.connect(options(digests).withDisableSqFlow(disableSqFlow))) {
      assertEquals("Linux", c.identifyController().model());
      // nvmet agrees, and then ends each read with its C2HData's SUCCESS flag, no CapsuleResp.
      assertEquals(disableSqFlow, c.sqFlowControlDisabled());
      assertEquals(2, c.ioQueueCount());
      NvmeNamespace ns = c.namespace(1);
      int bs = ns.blockSize();
      int total = 64 << 20;
      assertTrue(ns.sizeBytes() >= total, "namespace of " + ns.sizeBytes() + " bytes");
      byte[] pattern = new byte[total];
      new Random(11 + (digests ? 1 : 0) + (disableSqFlow ? 2 : 0)).nextBytes(pattern);
      ByteBuf src = Unpooled.directBuffer(total).writeBytes(pattern);
      // In-capsule, R2T, and beyond the host's 1280 KiB cap for MDTS 0 (split).
      int[] sizes = {4096, 65536, 8192, 1 << 20, 131072, 3 << 20, 16384};
      int off = 0;
      for (int i = 0; off < total; i++) {
        int n = Math.min(sizes[i % sizes.length], total - off);
        ns.writeBlocking(off / bs, n / bs, src, off);
        off += n;
      }
      ns.flushBlocking();
      ByteBuf dst = Unpooled.directBuffer(total).writerIndex(total);
      ns.readBlocking(0, total / bs, dst, 0);
      byte[] back = new byte[total];
      dst.getBytes(0, back);
      assertArrayEquals(pattern, back);
      assertTrue(c.isLive());
      assertFalse(Files.exists(share.resolve("done")));
    }
  }
}
