package io.weft.block;

import static io.weft.block.Io.assertStatus;
import static io.weft.block.Io.ok;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Runs the contract against a buffered sparse file and checks what is specific to files. */
class FileBlockDeviceTest extends BlockDeviceContractTest {
  private static final String IO_THREAD = "weft-test-io-";

  @TempDir Path dir;

  private final AtomicInteger threadCount = new AtomicInteger();
  private final ExecutorService ioExecutor =
      Executors.newFixedThreadPool(
          4, r -> new Thread(r, IO_THREAD + threadCount.incrementAndGet()));

  @Override
  protected BlockDevice create(long sizeBytes) throws IOException {
    return FileBlockDevice.open(dir.resolve("device.img"), sizeBytes, false, ioExecutor);
  }

  @AfterEach
  void stopExecutor() {
    // Runs before the contract's own @AfterEach; close() does not need the executor.
    ioExecutor.shutdown();
  }

  private FileBlockDevice fileDevice() {
    return (FileBlockDevice) device;
  }

  private static boolean nativeAvailable() {
    return LinuxFile.unavailableReason() == null;
  }

  @Test
  void flushedDataSurvivesARestart() throws IOException {
    byte[] flushed = pattern(1, 100_000);
    byte[] fua = pattern(2, 4096);
    byte[] unflushed = pattern(3, 5000);
    write(12_345, flushed);
    ok(device::flush);
    ok(cb -> device.write(5_000_000, Unpooled.wrappedBuffer(fua), 0, fua.length, true, cb));
    record(5_000_000, fua);
    // close() flushes too, so even this survives a clean shutdown.
    write(SIZE - unflushed.length, unflushed);
    device.close();

    device = FileBlockDevice.open(dir.resolve("device.img"), SIZE, false, ioExecutor);
    assertArrayEquals(flushed, read(12_345, flushed.length));
    assertDeviceMatchesShadow();
  }

  @Test
  void newFileIsSparse() throws IOException {
    long size = 1L << 30;
    Path path = dir.resolve("big.img");
    try (FileBlockDevice big = FileBlockDevice.open(path, size, false, ioExecutor)) {
      assertEquals(size, Files.size(path));
      assertEquals(size, big.sizeBytes());
      assumeTrue(nativeAvailable(), "needs fstat through FFM");
      assertTrue(big.usedBytes() < (1 << 20), "allocated " + big.usedBytes() + " bytes");
    }
  }

  @Test
  void usedBytesGrowsWithWrites() {
    assumeTrue(nativeAvailable(), "needs fstat through FFM");
    long before = device.usedBytes();
    write(1 << 20, pattern(4, 2 << 20));
    ok(device::flush);
    assertTrue(
        device.usedBytes() >= before + (2 << 20),
        "used " + device.usedBytes() + " after writing 2 MiB to " + before);
  }

  @Test
  void deallocatingReleasesSpace() {
    assumeTrue(nativeAvailable(), "needs fallocate and fstat through FFM");
    write(0, pattern(5, 4 << 20));
    ok(device::flush);
    long full = device.usedBytes();
    assertTrue(full >= 4 << 20, "used " + full);
    ok(cb -> device.deallocate(0, 4 << 20, cb));
    record(0, new byte[4 << 20]);
    long after = device.usedBytes();
    assertTrue(after <= full - (4 << 20) + (64 << 10), "used " + after + ", before " + full);
    assertDeviceMatchesShadow();
  }

  /** The portable fallback for file systems that cannot punch holes. */
  @ParameterizedTest
  @EnumSource(Zeroing.class)
  void zeroingWithoutHolePunchingWritesZeros(Zeroing zeroing) {
    fileDevice().disableHolePunching();
    write(0, pattern(6, 3 << 20));
    long offset = 999;
    long length = (2 << 20) + 12_345;
    zeroing.apply(device, offset, length);
    record(offset, new byte[(int) length]);
    assertDeviceMatchesShadow();
  }

  @Test
  void refusesToShrinkALargerExistingFile() throws IOException {
    Path path = dir.resolve("existing.img");
    byte[] data = pattern(7, 3 << 20);
    Files.write(path, data);
    IOException e =
        assertThrows(
            IOException.class, () -> FileBlockDevice.open(path, 1 << 20, false, ioExecutor));
    assertTrue(e.getMessage().contains("refusing to truncate"), e.getMessage());
    assertTrue(e.getMessage().contains(String.valueOf(3 << 20)), e.getMessage());
    assertArrayEquals(data, Files.readAllBytes(path), "file left untouched");
  }

  @Test
  void growsASmallerExistingFileAndKeepsItsData() throws IOException {
    Path path = dir.resolve("small.img");
    byte[] data = pattern(8, 10_000);
    Files.write(path, data);
    try (FileBlockDevice grown = FileBlockDevice.open(path, 1 << 20, false, ioExecutor)) {
      assertEquals(1 << 20, Files.size(path));
      ByteBuf dst = Unpooled.buffer(1 << 20);
      ok(cb -> grown.read(0, dst, 0, 1 << 20, cb));
      byte[] expected = new byte[1 << 20];
      System.arraycopy(data, 0, expected, 0, data.length);
      byte[] actual = new byte[1 << 20];
      dst.getBytes(0, actual);
      assertArrayEquals(expected, actual);
    }
  }

  @Test
  void opensAnExistingFileOfTheSameSize() throws IOException {
    Path path = dir.resolve("same.img");
    byte[] data = pattern(9, 1 << 20);
    Files.write(path, data);
    try (FileBlockDevice same = FileBlockDevice.open(path, 1 << 20, false, ioExecutor)) {
      ByteBuf dst = Unpooled.buffer(data.length);
      ok(cb -> same.read(0, dst, 0, data.length, cb));
      byte[] actual = new byte[data.length];
      dst.getBytes(0, actual);
      assertArrayEquals(data, actual);
    }
  }

  @Test
  void aFileServesOnlyOneDeviceAtATime() throws IOException {
    Path path = dir.resolve("device.img");
    IOException e =
        assertThrows(IOException.class, () -> FileBlockDevice.open(path, SIZE, false, ioExecutor));
    assertTrue(e.getMessage().contains("already in use"), e.getMessage());
    device.close();
    FileBlockDevice.open(path, SIZE, false, ioExecutor).close();
  }

  @Test
  void rejectsBadArguments() {
    assertThrows(
        IllegalArgumentException.class,
        () -> FileBlockDevice.open(dir.resolve("zero.img"), 0, false, ioExecutor));
    assertThrows(IOException.class, () -> FileBlockDevice.open(dir, 1 << 20, false, ioExecutor));
    assertThrows(
        IOException.class,
        () -> FileBlockDevice.open(dir.resolve("missing/dir.img"), 1 << 20, false, ioExecutor));
    assertFalse(Files.exists(dir.resolve("zero.img")));
  }

  @Test
  void callbacksRunOnTheExecutorAndNotOnTheCaller() {
    Thread caller = Thread.currentThread();
    ByteBuf buf = Unpooled.buffer(4096).writerIndex(4096);
    List<Io.Completion> completions =
        List.of(
            Io.call(cb -> device.write(0, buf, 0, 4096, false, cb)),
            Io.call(cb -> device.write(0, buf, 0, 4096, true, cb)),
            Io.call(cb -> device.read(0, buf, 0, 4096, cb)),
            Io.call(device::flush),
            Io.call(cb -> device.writeZeroes(0, 4096, cb)),
            Io.call(cb -> device.deallocate(0, 4096, cb)));
    for (Io.Completion c : completions) {
      assertStatus(BlockStatus.OK, c.status());
      assertNotSame(caller, c.thread());
      assertTrue(c.thread().getName().startsWith(IO_THREAD), c.thread().getName());
    }
  }

  @Test
  void nothingHappensOnTheCallersThread() throws IOException {
    // An executor that only queues proves the work waits for it, without any timing.
    Queue<Runnable> queued = new ArrayDeque<>();
    Path path = dir.resolve("queued.img");
    try (FileBlockDevice queuedDevice = FileBlockDevice.open(path, 1 << 20, false, queued::add)) {
      byte[] data = pattern(10, 4096);
      Io.Pending write = new Io.Pending();
      queuedDevice.write(0, Unpooled.wrappedBuffer(data), 0, data.length, true, write);
      Io.Pending flush = new Io.Pending();
      queuedDevice.flush(flush);
      assertFalse(write.isDone());
      assertFalse(flush.isDone());
      assertEquals(2, queued.size());
      assertEquals(0, Files.readAllBytes(path)[0], "not written yet");

      queued.forEach(Runnable::run);
      assertStatus(BlockStatus.OK, write.status());
      assertStatus(BlockStatus.OK, flush.status());
      assertEquals(data[0], Files.readAllBytes(path)[0]);
    }
  }

  @Test
  void aRejectingExecutorAnswersClosed() throws IOException {
    Path path = dir.resolve("rejected.img");
    try (FileBlockDevice rejected =
        FileBlockDevice.open(
            path,
            1 << 20,
            false,
            r -> {
              throw new RejectedExecutionException("shut down");
            })) {
      assertStatus(BlockStatus.CLOSED, Io.status(rejected::flush));
    }
  }

  @Test
  void reportsAVolatileWriteCache() {
    assertTrue(device.volatileWriteCache());
    assertEquals(1, fileDevice().ioAlignment());
    assertFalse(fileDevice().isDirect());
  }

  @Test
  void usedBytesIsZeroAfterClose() {
    device.close();
    assertEquals(0, device.usedBytes());
  }
}
