package io.weft.interop;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.host.ConnectOptions;
import io.weft.host.HostController;
import io.weft.host.NvmeException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The CSI driver on a consumer node with a real kernel: two storage node processes on one etcd
 * (zones z1 and z2), and in a linux-peer guest one {@code weft csi} process serving the controller
 * and the node plugin (its store reached through a forward), with kubernetes-csi's csi-sanity
 * against it, the Node Service specs included: staging connects the guest's kernel initiator with
 * nvme-cli, makes ext4 and mounts it, publishing bind-mounts it, and the reverse takes it all away.
 * Then a replicated volume grows under the guest's mounted ext4: the kernel sees the new size from
 * the target's event alone, and resize2fs grows the file system while mounted. csi-sanity comes
 * from bin/lib/csi-sanity.sh ({@code WEFT_CSI_SANITY}, set by .ci/run). Logs:
 * weft-interop/target/interop-logs/csi-node-*.
 */
@Tag("interop")
@ExtendWith(LinuxPeerCondition.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CsiNodeInteropTest {
  static final String ADDR1 = "10.0.2.100";
  static final String ADDR2 = "10.0.2.101";
  static final String ETCD = "10.0.2.102";
  static final String ROX_VOLUME = "model";
  static final String ROX_NQN = "nqn.2026-11.io.weft:vol:" + ROX_VOLUME;
  static final String WRITER = "nqn.2014-08.io.weft:csi-interop-writer";
  static final String READER1 = "nqn.2014-08.io.weft:csi-interop-reader-1";
  static final String READER2 = "nqn.2014-08.io.weft:csi-interop-reader-2";
  static final String GROW_VOLUME = "growing";
  static final String GROW_NQN = "nqn.2026-11.io.weft:vol:" + GROW_VOLUME;

  private final LinuxPeer peer = LinuxPeer.locate();
  private ClusterProcesses cluster;

  @AfterAll
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void csiSanityPassesOnAConsumerNodeWithTheKernelInitiator() throws Exception {
    String sanity = System.getenv("WEFT_CSI_SANITY");
    Assumptions.assumeTrue(
        sanity != null && Files.isExecutable(Path.of(sanity)),
        "csi-sanity not built here (bin/lib/csi-sanity.sh; .ci/run sets WEFT_CSI_SANITY)");
    Optional<String> why = peer.whyUnavailable();
    if (why.isPresent()) {
      Interop.cannotRun("linux-peer cannot boot a guest: " + why.get());
    }
    Path runDir = Interop.newRunLogDir("csi-node");
    Path share = Interop.createDirectories(runDir.resolve("share"));
    // csi-sanity's snapshot and clone specs: the nodes' data shares extents
    Path work = Interop.newReflinkWorkDir("csi-node");
    Path jar = Files.copy(Interop.weftJar(), work.resolve("weft.jar"));
    cluster = new ClusterProcesses(jar, work, runDir, 5);
    cluster.startEtcd();
    ClusterProcesses.Node n1 = cluster.add("n1", "z1", ADDR1 + ":4420");
    ClusterProcesses.Node n2 = cluster.add("n2", "z2", ADDR2 + ":4420");
    cluster.start("n1");
    cluster.start("n2");
    int etcdPort = URI.create(cluster.storeSpec().replace("etcd://", "http://")).getPort();
    System.out.println("csi node interop: logs in " + runDir);

    String guestNqn = "nqn.2014-08.org.nvmexpress:uuid:" + UUID.randomUUID();
    cluster.createVolume("n1", ROX_VOLUME, "64M", 1, "--nodes", "n1", "--allow-host", WRITER);
    byte[] model = new byte[64 << 10];
    new Random(2026).nextBytes(model);
    try (HostController writer = connect(WRITER, n1.port())) {
      writer.namespace(1).writeBlocking(0, model.length / 512, Unpooled.wrappedBuffer(model), 0);
      writer.namespace(1).flushBlocking();
    }
    Interop.CommandResult readers =
        cluster.cli(
            "volume",
            "set-hosts",
            ROX_VOLUME,
            "--read-only-host",
            guestNqn,
            "--read-only-host",
            READER1,
            "--read-only-host",
            READER2,
            "--admin",
            n1.admin());
    assertTrue(readers.ok(), readers.output());
    cluster.createVolume("n1", GROW_VOLUME, "64M", 2, "--nodes", "n1,n2", "--allow-host", guestNqn);
    try (LinuxPeer.Guest guest =
        peer.boot(
            new LinuxPeer.GuestSpec(Interop.moduleDir().resolve("src/test/guest/csi-node.sh"))
                .share(share)
                .guestForward(ADDR1, 4420, n1.port())
                .guestForward(ADDR2, 4420, n2.port())
                .guestForward(ETCD, 2379, etcdPort)
                .env("JAVA", Interop.javaBinary().toString())
                // The guest's CPU is qemu's emulation (TCG): with AVX on, a JIT-compiled method
                // crashed the JVM there (SIGSEGV in String.isEmpty). C1 alone and one GC thread
                // also spare the guest's two emulated CPUs.
                .env("JAVA_OPTS", "-XX:UseAVX=0 -XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
                .env("JAR", jar.toString())
                .env("SANITY", sanity)
                .env("STORE", "etcd://" + ETCD + ":2379")
                .env("HOSTNQN", guestNqn)
                .env("ZONE", "z1")
                .env("ROX_NQN", ROX_NQN)
                .env("ROX_ADDR", ADDR1)
                .env("GROW_NQN", GROW_NQN)
                .env("GROW_ADDR", ADDR1)
                .env(
                    "ROX_SHA",
                    HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(model)))
                .memoryMib(2048)
                .timeout(Duration.ofMinutes(20))
                .log(runDir.resolve("guest.log")))) {
      HostAgent agent =
          new HostAgent(share, runDir.resolve("host-agent.log"))
              .on("java-readers", (payload, seen) -> javaReaders(n1.port(), model))
              .on(
                  "grow-volume",
                  (payload, seen) -> {
                    Interop.CommandResult r =
                        cluster.cli(
                            "volume",
                            "resize",
                            GROW_VOLUME,
                            "--size",
                            "128M",
                            "--admin",
                            n1.admin());
                    return (r.ok() ? "OK " : "FAIL ") + r.output().strip();
                  });
      assertTrue(agent.serve(guest, Duration.ofMinutes(21)), "the guest did not finish");
    }
    GuestReport report = GuestReport.read(share.resolve("steps.txt"));
    System.out.println("csi node guest steps:");
    report.lines().forEach(l -> System.out.println("  " + l));
    System.out.println(Interop.tailBlock("csi-sanity", share.resolve("csi-sanity.log"), 60));
    report.assertPassed(
        "driver-up",
        "csi-sanity",
        "rox-connect",
        "rox-disk-read-only",
        "rox-kernel-read",
        "rox-java-readers",
        "rox-kernel-write-refused",
        "rox-unchanged",
        "grow-kernel-sees",
        "grow-mounted-ext4");
  }

  /** Two Java readers, while the guest's kernel host is connected: both read, neither writes. */
  private static String javaReaders(int port, byte[] model) throws Exception {
    try (HostController r1 = connect(READER1, port);
        HostController r2 = connect(READER2, port)) {
      for (HostController r : new HostController[] {r1, r2}) {
        ByteBuf back = Unpooled.buffer(model.length);
        r.namespace(1).readBlocking(0, model.length / 512, back, 0);
        byte[] read = new byte[model.length];
        back.getBytes(0, read);
        if (!Arrays.equals(model, read)) {
          return "FAIL a Java reader read other data";
        }
        try {
          r.namespace(1).writeBlocking(0, 8, Unpooled.wrappedBuffer(new byte[4096]), 0);
          return "FAIL a Java reader's write was accepted";
        } catch (NvmeException e) {
          if (io.weft.protocol.nvme.Status.sc(e.status())
              != io.weft.protocol.nvme.Status.NAMESPACE_WRITE_PROTECTED) {
            return "FAIL a Java reader's write failed otherwise: " + e.getMessage();
          }
        }
      }
    }
    return "OK two Java readers read the volume and their writes were refused (write protected)";
  }

  /** Connects to the owner's local port as {@code hostNqn}, waiting for it to serve. */
  private static HostController connect(String hostNqn, int port) throws Exception {
    ConnectOptions o =
        ConnectOptions.defaults("127.0.0.1", port, ROX_NQN)
            .withHost(hostNqn, UUID.nameUUIDFromBytes(hostNqn.getBytes()))
            .withTimeouts(5, 1, 1, 1)
            .withIoTimeout(20);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try {
        return HostController.connect(o);
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }
}
