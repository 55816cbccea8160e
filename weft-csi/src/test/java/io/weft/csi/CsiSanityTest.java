package io.weft.csi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * kubernetes-csi's conformance suite, csi-sanity (csi-test v5, built from source by
 * bin/lib/csi-sanity.sh; .ci/run passes its path in {@code WEFT_CSI_SANITY}), against the driver on
 * its unix socket, over three storage nodes in three zones.
 *
 * <p>Skipped specs, and why: the Node service's staging and publishing (csi-sanity's "Node Service"
 * specs, which stage and publish volumes) need a kernel initiator and mounts: they run in a
 * linux-peer guest ({@code CsiNodeInteropTest}), so here they are skipped by name. Everything else
 * runs, snapshots and clones included: the nodes' data is on the reflink file system
 * bin/lib/reflink-fs.sh makes ({@code WEFT_REFLINK_DIR}).
 */
@Tag("interop")
class CsiSanityTest {
  private static final long GIB = 1L << 30;

  @Test
  void csiSanityPassesAgainstTheDriver() throws Exception {
    String binary = System.getenv("WEFT_CSI_SANITY");
    Assumptions.assumeTrue(
        binary != null && Files.isExecutable(Path.of(binary)),
        "csi-sanity not built here (bin/lib/csi-sanity.sh; .ci/run sets WEFT_CSI_SANITY)");
    // snapshots and clones need the nodes' data on a file system that shares extents
    String reflink = System.getenv("WEFT_REFLINK_DIR");
    if (reflink == null || !Files.isDirectory(Path.of(reflink))) {
      if (System.getenv("CI") != null) {
        throw new AssertionError("CI without WEFT_REFLINK_DIR (bin/lib/reflink-fs.sh)");
      }
      Assumptions.abort("no reflink file system here (bin/lib/reflink-fs.sh makes one as root)");
    }
    Path dir = Files.createTempDirectory(Path.of(reflink), "csi");
    try {
      try (CsiCluster cluster = new CsiCluster(dir)) {
        cluster.node("a1", "a", 64 * GIB);
        cluster.node("b1", "b", 64 * GIB);
        cluster.node("c1", "c", 64 * GIB);
        String consumer = "nqn.2014-08.org.nvmexpress:uuid:" + UUID.randomUUID();
        cluster.driver(consumer, "a");
        Path log = dir.resolve("csi-sanity.log");
        List<String> cmd = new ArrayList<>();
        cmd.add(binary);
        cmd.add("-csi.endpoint=" + dir.resolve("csi/csi.sock"));
        cmd.add("-csi.stagingdir=" + dir.resolve("staging"));
        cmd.add("-csi.mountdir=" + dir.resolve("mount"));
        cmd.add("-csi.testvolumesize=" + (64L << 20));
        cmd.add("-ginkgo.skip=Node Service");
        cmd.add("-ginkgo.no-color");
        cmd.add("-ginkgo.junit-report=" + dir.resolve("csi-sanity.xml"));
        Process p =
            new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean done = p.waitFor(10, TimeUnit.MINUTES);
        if (!done) {
          p.destroyForcibly();
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        System.out.println(tail(out, 60));
        assertTrue(done, "csi-sanity did not finish in 10 minutes");
        assertEquals(0, p.exitValue(), "csi-sanity failed:\n" + tail(out, 200));
        assertTrue(out.contains("SUCCESS!"), tail(out, 40));
      }
    } finally {
      deleteTree(dir);
    }
  }

  static void deleteTree(Path dir) throws IOException {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static String tail(String text, int lines) {
    String[] all = text.split("\n");
    StringBuilder b = new StringBuilder();
    for (int i = Math.max(0, all.length - lines); i < all.length; i++) {
      b.append(all[i]).append('\n');
    }
    return b.toString();
  }

  static {
    // the suite's temporary directories: keep the path short for the unix socket (108 bytes)
    try {
      Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
    } catch (IOException ignored) {
      // the default exists
    }
  }
}
