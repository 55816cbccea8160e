package io.weft.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.host.ConnectOptions;
import io.weft.host.HostController;
import io.weft.host.NvmeNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Fencing with real processes: a partitioned old owner must not land a single write after the new
 * owner took over. Two storage nodes on one etcd; host A writes sequence-stamped blocks through the
 * owner n1; n1 is frozen (SIGSTOP) with A's writes in flight; n2 takes over when n1's lease
 * expires; host B writes newer stamps to the same blocks through n2; n1 is resumed (SIGCONT) and
 * processes A's old writes. Every one of them must fail (path status, nothing acknowledged), every
 * block must hold B's stamp, and once n1 is rebuilt both replicas are identical. Logs:
 * weft-interop/target/interop-logs/cluster-fencing-*.
 */
@Tag("interop")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterFencingInteropTest {
  static final String VOLUME = "fenced";
  static final String NQN = "nqn.2026-11.io.weft:vol:" + VOLUME;
  static final int BLOCKS = 256;
  static final int BLOCK = 4096;
  static final int LEASE_TTL = 3;

  private ClusterProcesses cluster;
  private Path runDir;

  @BeforeAll
  void start() throws Exception {
    runDir = Interop.newRunLogDir("cluster-fencing");
    cluster = ClusterProcesses.startLoopback("cluster-fencing", runDir, LEASE_TTL, "n1", "n2");
    cluster.createVolume("n1", VOLUME, "16M", 2, "--nodes", "n1,n2", "--block-size", "4096");
    Interop.waitFor("n1 serving", Duration.ofSeconds(30), () -> owner().equals("n1"));
    System.out.println("cluster fencing: logs in " + runDir);
  }

  @AfterAll
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  private String owner() {
    try {
      JsonNode v = cluster.get("n2", "/v1/volumes/" + VOLUME);
      return v.path("owner").asText() + (v.path("generation").asInt() > 0 ? "" : "?");
    } catch (Exception e) {
      return "unknown";
    }
  }

  private HostController host(String node, int kato, int ioTimeout) throws Exception {
    return HostController.connect(
        ConnectOptions.defaults("127.0.0.1", cluster.port(node), NQN)
            .withTimeouts(kato, 120, 1, -1)
            .withIoTimeout(ioTimeout));
  }

  /** A block: sequence number, block index, writer, then filler derived from them. */
  static ByteBuf stamp(long seq, int block, char writer) {
    // On the heap: a block left in flight at the freeze is never released by the test.
    ByteBuf b = Unpooled.wrappedBuffer(new byte[BLOCK]).clear();
    b.writeLong(seq).writeLong(block).writeByte(writer);
    while (b.isWritable()) {
      b.writeByte((int) (seq * 31 + block + b.writerIndex()));
    }
    return b;
  }

  @Test
  void aFrozenOldOwnerLandsNothingAfterTheNewOwnerTookOver() throws Exception {
    // Host A: a settled generation of stamps through n1, then writes left in flight at the freeze.
    List<CompletableFuture<Void>> late = new ArrayList<>();
    try (HostController a = host("n1", 60, 120)) {
      NvmeNamespace ns = a.namespace(1);
      // The store names n1 the owner a moment before n1's paths turn optimized (until then a
      // write gets ANA Transition, which this host does not retry): wait for a write to land.
      Interop.waitFor(
          "n1 to serve",
          Duration.ofSeconds(20),
          () -> {
            try {
              ns.writeBlocking(0, 1, stamp(1, 0, 'A'), 0);
              return true;
            } catch (Exception e) {
              return false;
            }
          });
      for (int block = 0; block < BLOCKS; block++) {
        ns.writeBlocking(block, 1, stamp(1, block, 'A'), 0);
      }
      cluster.freeze("n1");
      long frozenAt = System.nanoTime();
      for (int block = 0; block < BLOCKS; block++) {
        late.add(ns.write(block, 1, stamp(2, block, 'A'), 0));
      }
      // n2 takes over once n1's lease is gone.
      Interop.waitFor(
          "n2 to take over", Duration.ofSeconds(LEASE_TTL + 30), () -> owner().equals("n2"));
      long takeoverMs = (System.nanoTime() - frozenAt) / 1_000_000;
      // Host B: newer stamps to the same blocks through the new owner.
      try (HostController b = host("n2", 10, 30)) {
        NvmeNamespace nsB = b.namespace(1);
        Interop.waitFor(
            "n2 to serve",
            Duration.ofSeconds(20),
            () -> {
              try {
                nsB.writeBlocking(0, 1, stamp(3, 0, 'B'), 0);
                return true;
              } catch (Exception e) {
                return false;
              }
            });
        for (int block = 1; block < BLOCKS; block++) {
          nsB.writeBlocking(block, 1, stamp(3, block, 'B'), 0);
        }
        // The old owner wakes up with host A's writes in hand.
        cluster.thaw("n1");
        int acked = 0;
        int refused = 0;
        for (CompletableFuture<Void> f : late) {
          try {
            f.get(90, TimeUnit.SECONDS);
            acked++;
          } catch (java.util.concurrent.ExecutionException e) {
            refused++;
          }
        }
        System.out.println(
            "fencing: takeover "
                + takeoverMs
                + " ms after SIGSTOP; A's late writes: "
                + acked
                + " acknowledged, "
                + refused
                + " refused");
        assertEquals(0, acked, "a fenced owner acknowledged a write");
        // Every block holds B's stamp: nothing of A's arrived after it.
        ByteBuf back = Unpooled.directBuffer(BLOCK * BLOCKS).writerIndex(BLOCK * BLOCKS);
        Thread.sleep(2000); // give any straggler every chance to land
        nsB.readBlocking(0, BLOCKS, back, 0);
        for (int block = 0; block < BLOCKS; block++) {
          assertEquals(3, back.getLong(block * BLOCK), "sequence of block " + block);
          assertEquals('B', back.getByte(block * BLOCK + 16), "writer of block " + block);
        }
      }
    }
    // n1 comes back as a replica, is rebuilt, and both replicas match.
    Interop.waitFor(
        "n1 rebuilt",
        Duration.ofSeconds(120),
        () -> cluster.get("n2", "/v1/volumes/" + VOLUME).path("state").asText().equals("healthy"));
    byte[] r1 = Files.readAllBytes(cluster.dataDir("n1").resolve("volumes/" + VOLUME + ".img"));
    byte[] r2 = Files.readAllBytes(cluster.dataDir("n2").resolve("volumes/" + VOLUME + ".img"));
    assertTrue(java.util.Arrays.equals(r1, r2), "replicas identical after the rebuild");
  }
}
