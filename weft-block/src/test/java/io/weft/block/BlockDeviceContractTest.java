package io.weft.block;

import static io.weft.block.Io.assertStatus;
import static io.weft.block.Io.ok;
import static io.weft.block.Io.status;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The behaviour every {@link BlockDevice} must show. Each backend runs it through a subclass that
 * says how to create the device. A shadow array holds what the device should contain, so every test
 * can also check that nothing outside the requests changed.
 */
abstract class BlockDeviceContractTest {

  /** Several memory chunks and enough room for ragged ranges; still cheap to compare in full. */
  static final int SIZE = 8 << 20;

  protected BlockDevice device;
  private byte[] shadow;

  /** Creates the device under test, {@code sizeBytes} long and never written. */
  protected abstract BlockDevice create(long sizeBytes) throws Exception;

  /** Offsets and lengths must be multiples of this (direct I/O); 1 for byte-addressable devices. */
  protected int granularity() {
    return 1;
  }

  @BeforeEach
  void createDevice() throws Exception {
    device = create(SIZE);
    shadow = new byte[SIZE];
  }

  @AfterEach
  void closeDevice() {
    if (device != null) {
      device.close();
    }
  }

  // ---- round trips ----

  @Test
  void writesReadBackAtVariousOffsetsAndLengths() {
    long[][] cases = {
      {0, 1},
      {0, 4096},
      {1, 1},
      {4095, 3},
      {65_535, 2},
      {65_536 - 100, 70_001},
      {(1 << 20) - 7, 200_000},
      {3 << 20, 1 << 20},
      {5_000_000, 12_345},
      {SIZE - 4096, 4096},
      {SIZE - 1, 1},
    };
    long seed = 1;
    for (long[] c : cases) {
      long offset = alignDown(c[0]);
      int length = (int) alignUp(c[1]);
      if (offset + length > SIZE) {
        offset = SIZE - length;
      }
      byte[] data = pattern(seed++, length);
      write(offset, data);
      assertArrayEquals(data, read(offset, length), "read back at " + offset + "+" + length);
    }
    assertDeviceMatchesShadow();
  }

  @Test
  void unwrittenAreasReadAsZeros() {
    // read() pre-fills its buffer with garbage, so the zeros must really be delivered.
    int length = (int) alignUp(300_000);
    assertArrayEquals(new byte[length], read(0, length));
    write(alignDown(2_000_000), pattern(7, (int) alignUp(5_000)));
    assertDeviceMatchesShadow();
  }

  @Test
  void heapBufferIndicesAreHonouredAndNotMoved() {
    checkBufferIndices(Unpooled::buffer);
  }

  @Test
  void directBufferIndicesAreHonouredAndNotMoved() {
    checkBufferIndices(Unpooled::directBuffer);
  }

  @Test
  void pooledBufferIndicesAreHonouredAndNotMoved() {
    checkBufferIndices(PooledByteBufAllocator.DEFAULT::directBuffer);
  }

  @Test
  void compositeBuffersWorkBothWays() {
    int length = (int) alignUp(50_000);
    byte[] data = pattern(11, length);
    long offset = alignDown(123_457);
    CompositeByteBuf src = fragmented(data.length + 3);
    src.setBytes(3, data);
    try {
      ok(cb -> device.write(offset, src, 3, length, false, cb));
      record(offset, data);
    } finally {
      src.release();
    }
    CompositeByteBuf dst = fragmented(length + 5);
    try {
      ok(cb -> device.read(offset, dst, 5, length, cb));
      byte[] got = new byte[length];
      dst.getBytes(5, got);
      assertArrayEquals(data, got);
    } finally {
      dst.release();
    }
    assertDeviceMatchesShadow();
  }

  @Test
  void zeroLengthRequestsSucceed() {
    ByteBuf buf = Unpooled.buffer(8);
    ok(cb -> device.write(0, buf, 0, 0, false, cb));
    ok(cb -> device.read(SIZE, buf, 0, 0, cb));
    ok(cb -> device.writeZeroes(SIZE, 0, cb));
    ok(cb -> device.deallocate(0, 0, cb));
    assertDeviceMatchesShadow();
  }

  @Test
  void flushAndFuaWritesSucceed() {
    byte[] data = pattern(3, (int) alignUp(8192));
    ok(cb -> device.write(0, Unpooled.wrappedBuffer(data), 0, data.length, true, cb));
    record(0, data);
    ok(device::flush);
    assertDeviceMatchesShadow();
  }

  @Test
  void reportsSizeAndPlausibleUsage() {
    assertEquals(SIZE, device.sizeBytes());
    write(0, pattern(5, (int) alignUp(4096)));
    long used = device.usedBytes();
    assertTrue(used >= 0 && used <= SIZE, "usedBytes " + used);
  }

  // ---- out of range ----

  @Test
  void outOfRangeRequestsAreRejectedAndChangeNothing() {
    int g = granularity();
    int tail = (int) alignUp(65_536);
    write(SIZE - tail, pattern(9, tail));
    write(0, pattern(10, tail));
    ByteBuf buf = Unpooled.buffer(4 * tail).writerIndex(4 * tail);
    buf.setBytes(0, pattern(99, 4 * tail));

    List<String> failures = new ArrayList<>();
    expectOutOfRange(
        failures, "write past end", cb -> device.write(SIZE - g, buf, 0, 2 * g, false, cb));
    expectOutOfRange(failures, "write at end", cb -> device.write(SIZE, buf, 0, g, false, cb));
    expectOutOfRange(failures, "write at -g", cb -> device.write(-g, buf, 0, 2 * g, false, cb));
    expectOutOfRange(failures, "write length -1", cb -> device.write(0, buf, 0, -1, false, cb));
    expectOutOfRange(
        failures, "fua write past end", cb -> device.write(SIZE - g, buf, 0, 2 * g, true, cb));
    expectOutOfRange(failures, "read past end", cb -> device.read(SIZE - g, buf, 0, 2 * g, cb));
    expectOutOfRange(failures, "read at -1", cb -> device.read(-1, buf, 0, g, cb));
    expectOutOfRange(
        failures, "read beyond with zero length", cb -> device.read(SIZE + g, buf, 0, 0, cb));
    expectOutOfRange(
        failures, "read at Long.MAX_VALUE", cb -> device.read(Long.MAX_VALUE, buf, 0, g, cb));
    expectOutOfRange(failures, "zeroes past end", cb -> device.writeZeroes(SIZE - g, 2L * g, cb));
    expectOutOfRange(
        failures, "zeroes overflow", cb -> device.writeZeroes(Long.MAX_VALUE - g + 1, 2L * g, cb));
    expectOutOfRange(
        failures, "zeroes huge length", cb -> device.writeZeroes(g, Long.MAX_VALUE, cb));
    expectOutOfRange(failures, "zeroes negative length", cb -> device.writeZeroes(0, -g, cb));
    expectOutOfRange(
        failures, "deallocate past end", cb -> device.deallocate(SIZE - g, 2L * g, cb));
    expectOutOfRange(failures, "deallocate at -g", cb -> device.deallocate(-g, 2L * g, cb));
    expectOutOfRange(
        failures, "deallocate Long.MIN_VALUE", cb -> device.deallocate(Long.MIN_VALUE, g, cb));
    expectOutOfRange(
        failures,
        "deallocate whole device and more",
        cb -> device.deallocate(0, SIZE + (long) g, cb));
    assertTrue(failures.isEmpty(), String.join("\n", failures));
    assertDeviceMatchesShadow();
  }

  @Test
  void bufferSlicesOutsideTheBufferAreRejected() {
    int g = granularity();
    ByteBuf small = Unpooled.buffer(g);
    Io.Pending pending = new Io.Pending();
    assertThrows(IndexOutOfBoundsException.class, () -> device.read(0, small, 1, g, pending));
    assertThrows(
        IndexOutOfBoundsException.class, () -> device.write(0, small, 0, 2 * g, false, pending));
    assertFalse(pending.isDone(), "a rejected call must not complete");
    assertDeviceMatchesShadow();
  }

  // ---- zeroing ----

  enum Zeroing {
    WRITE_ZEROES,
    DEALLOCATE;

    void apply(BlockDevice device, long offset, long length) {
      ok(
          cb -> {
            if (this == WRITE_ZEROES) {
              device.writeZeroes(offset, length, cb);
            } else {
              device.deallocate(offset, length, cb);
            }
          });
    }
  }

  @ParameterizedTest
  @EnumSource(Zeroing.class)
  void zeroingClearsExactlyTheRange(Zeroing zeroing) {
    int filled = 4 << 20;
    write(0, pattern(21, filled));
    write(SIZE - filled, pattern(22, filled));

    long[][] ranges = {
      {100_003, 1_200_017}, // ragged at both ends, across several chunks
      {1 << 20, 1 << 20}, // exactly one default-sized chunk
      {(2 << 20) + 10, 100}, // inside one block
      {(3 << 20) - 5, 10}, // straddling a chunk boundary
      {SIZE - 70_000, 70_000}, // up to the very end
    };
    for (long[] r : ranges) {
      long offset = alignDown(r[0]);
      long length = alignUp(r[1]);
      zeroing.apply(device, offset, length);
      record(offset, new byte[(int) length]);
    }
    assertDeviceMatchesShadow();

    // Zeroed space is usable again.
    long offset = alignDown(100_003);
    byte[] again = pattern(23, (int) alignUp(300_000));
    write(offset, again);
    assertDeviceMatchesShadow();
  }

  @ParameterizedTest
  @EnumSource(Zeroing.class)
  void zeroingTheWholeDeviceLeavesOnlyZeros(Zeroing zeroing) {
    write(alignDown(12_345), pattern(31, (int) alignUp(3_000_000)));
    zeroing.apply(device, 0, SIZE);
    record(0, new byte[SIZE]);
    assertDeviceMatchesShadow();
  }

  // ---- concurrency ----

  @Test
  void concurrentWritersToDistinctRangesAllLand() throws Exception {
    int threads = 8;
    int writesPerThread = 24;
    // 12 KiB does not divide 64 KiB or 1 MiB, so neighbouring writes share chunks and blocks.
    int block = (int) alignUp(12 * 1024);
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService writers = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(
            writers.submit(
                () -> {
                  start.await();
                  List<Io.Pending> inFlight = new ArrayList<>();
                  for (int i = 0; i < writesPerThread; i++) {
                    long offset = (long) (i * threads + thread) * block;
                    ByteBuf src = Unpooled.wrappedBuffer(pattern(offset, block));
                    Io.Pending pending = new Io.Pending();
                    device.write(offset, src, 0, block, false, pending);
                    inFlight.add(pending);
                  }
                  for (Io.Pending pending : inFlight) {
                    assertStatus(BlockStatus.OK, pending.status());
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      writers.shutdown();
    }
    for (int n = 0; n < threads * writesPerThread; n++) {
      long offset = (long) n * block;
      record(offset, pattern(offset, block));
    }
    assertDeviceMatchesShadow();
  }

  // ---- closing ----

  @Test
  void closedDeviceAnswersClosed() {
    int g = granularity();
    write(0, pattern(41, g));
    device.close();
    device.close(); // idempotent

    ByteBuf buf = Unpooled.buffer(g).writerIndex(g);
    assertStatus(BlockStatus.CLOSED, status(cb -> device.read(0, buf, 0, g, cb)));
    assertStatus(BlockStatus.CLOSED, status(cb -> device.write(0, buf, 0, g, false, cb)));
    assertStatus(BlockStatus.CLOSED, status(cb -> device.write(0, buf, 0, g, true, cb)));
    assertStatus(BlockStatus.CLOSED, status(device::flush));
    assertStatus(BlockStatus.CLOSED, status(cb -> device.writeZeroes(0, g, cb)));
    assertStatus(BlockStatus.CLOSED, status(cb -> device.deallocate(0, g, cb)));
  }

  // ---- growing ----

  /** Whether this kind of device grows (memory devices do not: their chunk table is fixed). */
  protected boolean grows() {
    return true;
  }

  @Test
  void growingKeepsTheDataAddsZerosAndTakesIoUpToTheNewEnd() throws Exception {
    if (!grows()) {
      assertThrows(UnsupportedOperationException.class, () -> device.grow(2L * SIZE));
      assertEquals(SIZE, device.sizeBytes());
      return;
    }
    byte[] tail = pattern(21, (int) alignUp(10_000));
    write(SIZE - tail.length, tail);
    long grown = 2L * SIZE;
    int length = (int) alignUp(8192);
    assertEquals(
        BlockStatus.OUT_OF_RANGE,
        status(cb -> device.read(SIZE, Unpooled.buffer(length), 0, length, cb)),
        "beyond the end before growing");

    device.grow(grown);
    assertEquals(grown, device.sizeBytes());
    assertArrayEquals(tail, read(SIZE - tail.length, tail.length), "what was there stays");
    assertArrayEquals(new byte[length], read(SIZE, length), "the new range reads as zeros");
    byte[] end = pattern(22, length);
    ok(cb -> device.write(grown - length, Unpooled.wrappedBuffer(end), 0, length, false, cb));
    assertArrayEquals(end, read(grown - length, length), "writable up to the new end");
    assertEquals(
        BlockStatus.OUT_OF_RANGE,
        status(cb -> device.read(grown, Unpooled.buffer(length), 0, length, cb)),
        "and no further");

    assertThrows(IllegalArgumentException.class, () -> device.grow(SIZE), "never shrinks");
    device.grow(grown); // the present size: nothing to do
    assertEquals(grown, device.sizeBytes());
    assertDeviceMatchesShadow();
  }

  // ---- helpers ----

  /** Writes {@code data} at {@code offset}, expects success and records it in the shadow. */
  protected void write(long offset, byte[] data) {
    ok(cb -> device.write(offset, Unpooled.wrappedBuffer(data), 0, data.length, false, cb));
    record(offset, data);
  }

  /** Reads into a buffer pre-filled with garbage, so that zeros must really be delivered. */
  protected byte[] read(long offset, int length) {
    ByteBuf dst = Unpooled.buffer(length);
    dst.setBytes(0, pattern(-1, length));
    ok(cb -> device.read(offset, dst, 0, length, cb));
    byte[] out = new byte[length];
    dst.getBytes(0, out);
    return out;
  }

  protected void record(long offset, byte[] data) {
    System.arraycopy(data, 0, shadow, (int) offset, data.length);
  }

  protected void assertDeviceMatchesShadow() {
    int step = 1 << 20;
    for (int offset = 0; offset < SIZE; offset += step) {
      byte[] expected = new byte[step];
      System.arraycopy(shadow, offset, expected, 0, step);
      byte[] actual = read(offset, step);
      if (!java.util.Arrays.equals(expected, actual)) {
        int i = java.util.Arrays.mismatch(expected, actual);
        throw new AssertionError(
            "device differs from expectation at byte "
                + (offset + i)
                + ": expected "
                + expected[i]
                + " but was "
                + actual[i]);
      }
    }
  }

  protected long alignDown(long value) {
    return value / granularity() * granularity();
  }

  protected long alignUp(long value) {
    return Math.ceilDiv(value, granularity()) * granularity();
  }

  /** Deterministic bytes that differ between seeds and contain no long zero runs. */
  static byte[] pattern(long seed, int length) {
    byte[] data = new byte[length];
    new Random(seed * 0x9E3779B97F4A7C15L + 17).nextBytes(data);
    for (int i = 0; i < length; i++) {
      if (data[i] == 0) {
        data[i] = 1;
      }
    }
    return data;
  }

  private void checkBufferIndices(IntFunction<ByteBuf> allocator) {
    int length = (int) alignUp(70_000);
    int srcIndex = 3;
    int dstIndex = 7;
    long offset = alignDown(65_536 - 1_000);
    byte[] data = pattern(13, length);

    ByteBuf src = allocator.apply(srcIndex + length + 9);
    ByteBuf dst = allocator.apply(dstIndex + length + 9);
    try {
      src.writerIndex(src.capacity()).readerIndex(1);
      src.setBytes(srcIndex, data);
      ok(cb -> device.write(offset, src, srcIndex, length, false, cb));
      record(offset, data);
      assertEquals(1, src.readerIndex(), "source reader index");
      assertEquals(src.capacity(), src.writerIndex(), "source writer index");

      byte[] guard = pattern(14, dst.capacity());
      dst.setBytes(0, guard);
      dst.writerIndex(2).readerIndex(1);
      ok(cb -> device.read(offset, dst, dstIndex, length, cb));
      assertEquals(1, dst.readerIndex(), "destination reader index");
      assertEquals(2, dst.writerIndex(), "destination writer index");
      byte[] got = new byte[dst.capacity()];
      dst.getBytes(0, got);
      byte[] expected = guard.clone();
      System.arraycopy(data, 0, expected, dstIndex, length);
      assertArrayEquals(expected, got, "only the requested slice of the buffer changes");
    } finally {
      src.release();
      dst.release();
    }
    assertDeviceMatchesShadow();
  }

  /** A composite buffer of odd-sized heap and direct components. */
  private static CompositeByteBuf fragmented(int capacity) {
    CompositeByteBuf composite = Unpooled.compositeBuffer();
    int[] sizes = {1, 4093, 17, 30_001, 7};
    int remaining = capacity;
    for (int i = 0; remaining > 0; i++) {
      int n = Math.min(remaining, sizes[i % sizes.length]);
      ByteBuf part = i % 2 == 0 ? Unpooled.buffer(n) : Unpooled.directBuffer(n);
      composite.addComponent(true, part.writerIndex(n));
      remaining -= n;
    }
    return composite;
  }

  private void expectOutOfRange(
      List<String> failures, String what, java.util.function.Consumer<IoCallback> request) {
    int got = status(request);
    if (got != BlockStatus.OUT_OF_RANGE) {
      failures.add(what + ": " + BlockStatus.describe(got));
    }
  }
}
