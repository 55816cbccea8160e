package io.weft.block;

import static io.weft.block.Io.ok;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Instant copies on a file system that shares extents (WEFT_REFLINK_DIR, made by
 * bin/lib/reflink-fs.sh): a device's copy keeps what the device held, whatever it writes after; a
 * copy of the copy is the same; and where extents cannot be shared the copy is refused.
 */
class ReflinksTest {
  @TempDir Path plainDir;

  static Path reflinkDir() throws Exception {
    String dir = System.getenv("WEFT_REFLINK_DIR");
    if (dir == null || !Files.isDirectory(Path.of(dir))) {
      if (System.getenv("CI") != null) {
        throw new AssertionError("CI without WEFT_REFLINK_DIR (bin/lib/reflink-fs.sh)");
      }
      Assumptions.abort("no reflink file system here (bin/lib/reflink-fs.sh makes one as root)");
    }
    return Files.createTempDirectory(Path.of(dir), "reflinks");
  }

  private static byte[] read(BlockDevice d, long offset, int length) {
    var buf = Unpooled.buffer(length).writerIndex(length);
    ok(cb -> d.read(offset, buf, 0, length, cb));
    byte[] out = new byte[length];
    buf.getBytes(0, out);
    return out;
  }

  @Test
  void aDevicesCopyKeepsItsDataWhateverTheDeviceWritesAfter() throws Exception {
    Path dir = reflinkDir();
    ExecutorService io = Executors.newFixedThreadPool(2);
    try (FileBlockDevice d = FileBlockDevice.open(dir.resolve("v.img"), 64L << 20, false, io)) {
      byte[] before = new byte[1 << 20];
      new Random(1).nextBytes(before);
      ok(cb -> d.write(3L << 20, Unpooled.wrappedBuffer(before), 0, before.length, false, cb));

      long start = System.nanoTime();
      d.copyTo(dir.resolve("snap.img"));
      long micros = (System.nanoTime() - start) / 1000;

      byte[] after = new byte[1 << 20];
      new Random(2).nextBytes(after);
      ok(cb -> d.write(3L << 20, Unpooled.wrappedBuffer(after), 0, after.length, false, cb));
      assertArrayEquals(after, read(d, 3L << 20, after.length));
      try (FileBlockDevice snap =
          FileBlockDevice.open(dir.resolve("snap.img"), 64L << 20, false, io)) {
        assertArrayEquals(before, read(snap, 3L << 20, before.length), "the copy kept its point");
        assertTrue(Arrays.equals(new byte[4096], read(snap, 0, 4096)), "holes stay holes");
      }
      Reflinks.copy(dir.resolve("snap.img"), dir.resolve("clone.img"));
      try (FileBlockDevice clone =
          FileBlockDevice.open(dir.resolve("clone.img"), 64L << 20, false, io)) {
        assertArrayEquals(before, read(clone, 3L << 20, before.length));
      }
      assertFalse(Files.exists(dir.resolve("clone.img.tmp")));
      System.out.println("reflink copy of a 64 MiB device: " + micros + " µs");
    } finally {
      io.shutdown();
    }
  }

  @Test
  void whereExtentsCannotBeSharedTheCopyIsRefusedAndLeavesNothing() throws Exception {
    Assumptions.assumeTrue(
        !Files.getFileStore(plainDir).type().equals("xfs")
            && !Files.getFileStore(plainDir).type().equals("btrfs"),
        "the temporary directory shares extents itself");
    Path source = Files.write(plainDir.resolve("a.img"), new byte[8192]);
    Reflinks.ReflinkUnsupportedException e =
        assertThrows(
            Reflinks.ReflinkUnsupportedException.class,
            () -> Reflinks.copy(source, plainDir.resolve("b.img")));
    assertTrue(e.getMessage().contains("reflink=1"), e.getMessage());
    assertFalse(Files.exists(plainDir.resolve("b.img")));
    assertFalse(Files.exists(plainDir.resolve("b.img.tmp")));
  }
}
