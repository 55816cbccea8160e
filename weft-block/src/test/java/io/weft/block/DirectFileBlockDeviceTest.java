package io.weft.block;

import static io.weft.block.Io.ok;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the contract against a file opened with O_DIRECT, in block-sized units. Skipped where the
 * temporary directory's file system does not support O_DIRECT.
 */
class DirectFileBlockDeviceTest extends BlockDeviceContractTest {
  @TempDir Path dir;

  private final ExecutorService ioExecutor = Executors.newFixedThreadPool(4);

  @Override
  protected BlockDevice create(long sizeBytes) {
    try {
      return FileBlockDevice.open(dir.resolve("direct.img"), sizeBytes, true, ioExecutor);
    } catch (IOException | UnsupportedOperationException e) {
      Assumptions.abort("O_DIRECT unavailable here: " + e);
      throw new AssertionError(e);
    }
  }

  @Override
  protected int granularity() {
    return fileDevice().ioAlignment();
  }

  @AfterEach
  void stopExecutor() {
    ioExecutor.shutdown();
  }

  private FileBlockDevice fileDevice() {
    return (FileBlockDevice) device;
  }

  @Test
  void isDirectWithTheFileSystemBlockSize() throws IOException {
    assertTrue(fileDevice().isDirect());
    assertTrue(fileDevice().ioAlignment() > 1);
    assertTrue(
        fileDevice().ioAlignment() == Files.getFileStore(dir.resolve("direct.img")).getBlockSize());
  }

  @Test
  void unalignedRequestsAreRejectedClearly() {
    int g = granularity();
    ByteBuf buf = Unpooled.buffer(2 * g).writerIndex(2 * g);
    Io.Pending pending = new Io.Pending();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> device.read(1, buf, 0, g, pending));
    assertTrue(e.getMessage().contains("aligned to " + g), e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> device.write(0, buf, 0, g + 1, false, pending));
    assertThrows(IllegalArgumentException.class, () -> device.writeZeroes(g / 2, g, pending));
    assertThrows(IllegalArgumentException.class, () -> device.deallocate(0, g - 1, pending));
    assertFalse(pending.isDone(), "a rejected call must not complete");
  }

  @Test
  void unalignedSizeIsRejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> FileBlockDevice.open(dir.resolve("odd.img"), granularity() + 1L, true, ioExecutor));
    assertFalse(Files.exists(dir.resolve("odd.img")), "nothing left behind");
  }

  @Test
  void largeMisalignedBufferIsBouncedInPieces() {
    // Larger than the bounce buffer, at an odd buffer address.
    int length = 1 << 20;
    byte[] data = pattern(51, length);
    ByteBuf src = Unpooled.directBuffer(length + 1);
    ByteBuf dst = Unpooled.directBuffer(length + 3);
    try {
      src.setBytes(1, data);
      ok(cb -> device.write(granularity(), src, 1, length, false, cb));
      record(granularity(), data);
      ok(cb -> device.read(granularity(), dst, 3, length, cb));
      byte[] got = new byte[length];
      dst.getBytes(3, got);
      assertArrayEquals(data, got);
    } finally {
      src.release();
      dst.release();
    }
    assertDeviceMatchesShadow();
  }
}
