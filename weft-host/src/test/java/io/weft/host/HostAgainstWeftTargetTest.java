package io.weft.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.weft.host.testing.CuttingRelay;
import io.weft.protocol.discovery.DiscoveryLogPage;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Status;
import io.weft.protocol.tcp.EventLoops;
import io.weft.tgt.Target;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostAgainstWeftTargetTest {
  static final String NQN = "nqn.2026-11.io.weft.test:host";
  static final String HOST = "nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555";
  @TempDir Path dir;

  private Target start(List<String> allowed) throws Exception {
    return Target.start(
        new TargetConfig(
            dir,
            List.of(ListenerConfig.of("127.0.0.1", 0)),
            List.of(
                new SubsystemConfig(
                    NQN,
                    "SN1",
                    "Weft",
                    null,
                    allowed,
                    List.of(NamespaceConfig.memory(1, 128 << 20)))),
            null,
            TuningConfig.defaults().withSpinNanos(0)));
  }

  private ConnectOptions options(Target t) {
    return new ConnectOptions(
        "127.0.0.1",
        t.listenAddresses().get(0).getPort(),
        NQN,
        HOST,
        UUID.fromString("11111111-2222-3333-4444-555555555555"),
        false,
        false,
        2,
        64,
        5,
        600,
        1,
        -1,
        30,
        0);
  }

  @ParameterizedTest
  @CsvSource({"false,false,false", "true,true,false", "false,false,true", "true,true,true"})
  void writesMixedSizesAndReadsThemBack(boolean hdgst, boolean ddgst, boolean disableSqFlow)
      throws Exception {
    try (Target t = start(List.of());
        HostController c =
            HostController.connect(
                options(t).withDigests(hdgst, ddgst).withDisableSqFlow(disableSqFlow))) {
      assertEquals(2, c.ioQueueCount());
      // Without SQ flow control the target completes reads by the SUCCESS flag of their data.
      assertEquals(disableSqFlow, c.sqFlowControlDisabled());
      NvmeNamespace ns = c.namespace(1);
      assertEquals(512, ns.blockSize());
      int total = 64 << 20;
      ByteBuf src = Unpooled.directBuffer(total);
      byte[] pattern = new byte[total];
      new Random(7).nextBytes(pattern);
      src.writeBytes(pattern);
      // Mixed sizes: in-capsule (4 KiB), R2T (64 KiB), split by MDTS (3 MiB).
      int[] sizes = {4096, 65536, 3 << 20, 512, 131072};
      int off = 0;
      for (int i = 0; off < total; i++) {
        int n = Math.min(sizes[i % sizes.length], total - off);
        ns.writeBlocking(off / 512, n / 512, src, off);
        off += n;
      }
      ByteBuf dst = Unpooled.directBuffer(total).writerIndex(total);
      ns.readBlocking(0, total / 512, dst, 0);
      byte[] back = new byte[total];
      dst.getBytes(0, back);
      assertArrayEquals(pattern, back);
    }
  }

  /**
   * A controller on event loops its caller lends (a target that is also a host; a process running
   * many hosts) leaves nothing behind on them once closed: connecting and closing again and again
   * must not pile up work or memory on loops that stay up.
   */
  @Test
  void aClosedControllerLeavesNothingOnLentLoops() throws Exception {
    EventLoopGroup loops = EventLoops.group(1, "lent", 0);
    try (Target t = start(List.of())) {
      HostController c = HostController.connect(options(t), loops);
      c.namespace(1);
      c.close();
      WeakReference<HostController> closed = new WeakReference<>(c);
      c = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (closed.get() != null && System.nanoTime() < deadline) {
        System.gc();
        Thread.sleep(50);
      }
      assertNull(closed.get(), "the lent loops still hold the closed controller");
    } finally {
      loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  @Test
  void outOfRangeIsATypedError() throws Exception {
    try (Target t = start(List.of());
        HostController c = HostController.connect(options(t))) {
      NvmeNamespace ns = c.namespace(1);
      ByteBuf b = Unpooled.directBuffer(4096).writerIndex(4096);
      Command cmd =
          new Command().io(io.weft.protocol.nvme.Opcodes.NVM_READ, 1, ns.sizeBlocks() - 1, 8);
      cmd.data = b;
      cmd.dataLength = 4096;
      NvmeException e = assertThrows(NvmeException.class, () -> c.execute(cmd, "Read"));
      assertEquals(Status.LBA_OUT_OF_RANGE, e.status() & 0x7FF);
      assertTrue(e.isNvmeStatus());
      assertTrue(!e.retryable());
    }
  }

  @Test
  void hostNotOnAllowListIsRefused() throws Exception {
    try (Target t = start(List.of("nqn.2014-08.org.nvmexpress:uuid:someone-else"))) {
      NvmeException e = assertThrows(NvmeException.class, () -> HostController.connect(options(t)));
      assertEquals(Status.CONNECT_INVALID_HOST, e.status() & 0x7FF);
    }
  }

  @Test
  void discoveryListsTheSubsystem() throws Exception {
    try (Target t = start(List.of())) {
      DiscoveryLogPage page = Discovery.discover(options(t));
      assertEquals(1, page.entries().size());
      assertEquals(NQN, page.entries().get(0).subsystemNqn());
      assertEquals(
          Integer.toString(t.listenAddresses().get(0).getPort()), page.entries().get(0).trsvcid());
    }
  }

  /**
   * A discovery read whose connection drops mid-command (the discovery controller died) fails at
   * once: it connects with ctrl-loss-tmo 0, which allows no reconnect, so a host with several
   * discovery controllers asks the next one now rather than after the 10 s reconnect delay.
   */
  @Test
  void aDiscoveryReadCutMidCommandFailsAtOnce() throws Exception {
    try (Target t = start(List.of());
        CuttingRelay relay = new CuttingRelay(t.listenAddresses().get(0))) {
      relay.cutWhen(sqe -> (sqe.get(0) & 0xFF) == Opcodes.ADMIN_GET_LOG_PAGE);
      ConnectOptions viaRelay =
          ConnectOptions.defaults("127.0.0.1", relay.port(), NQN)
              .withHost(HOST, UUID.fromString("11111111-2222-3333-4444-555555555555"));
      assertEquals(10, viaRelay.reconnectDelaySec());
      long start = System.nanoTime();
      NvmeException e = assertThrows(NvmeException.class, () -> Discovery.discover(viaRelay));
      long tookMillis = (System.nanoTime() - start) / 1_000_000;
      assertEquals(HostStatus.CONTROLLER_LOST, e.status(), e.getMessage());
      assertTrue(tookMillis < 5_000, "gave up after " + tookMillis + " ms");
    }
  }
}
