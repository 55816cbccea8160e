package io.weft.block;

import static io.weft.block.Io.ok;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The block device contract through io_uring on a buffered file, and what is the ring's own: a
 * request is served by the ring (completed on the submitting thread or the ring's reaper, never a
 * pool thread), a full ring hands the rest to the pool without losing any, and close waits for the
 * ring's requests in flight.
 */
class IoUringFileBlockDeviceTest extends BlockDeviceContractTest {
  static final String POOL_THREAD = "weft-test-pool-";

  @TempDir Path dir;

  private final ExecutorService pool =
      Executors.newFixedThreadPool(
          4, r -> new Thread(r, POOL_THREAD + new AtomicInteger().incrementAndGet()));
  private final List<IoUring> rings = new ArrayList<>();

  /** A ring for this test; skipped where io_uring is unavailable, but never in CI. */
  IoUring ring(int entries) throws IOException {
    String why = IoUring.unavailableReason();
    if (why != null && System.getenv("CI") == null) {
      Assumptions.abort("io_uring unavailable: " + why);
    }
    IoUring r = IoUring.open(entries, 50_000, "test-ring");
    rings.add(r);
    return r;
  }

  protected boolean direct() {
    return false;
  }

  @Override
  protected BlockDevice create(long sizeBytes) throws IOException {
    return FileBlockDevice.open(dir.resolve("ring.img"), sizeBytes, direct(), pool, ring(64));
  }

  @Override
  protected int granularity() {
    return ((FileBlockDevice) device).ioAlignment();
  }

  @AfterEach
  void closeRings() {
    // After the contract closed the device: the device waits for its own requests first.
    if (device != null) {
      device.close();
    }
    rings.forEach(IoUring::close);
    pool.shutdown();
  }

  @Test
  void requestsAreServedByTheRingNotThePool() throws Exception {
    int n = Math.max(4096, granularity());
    ByteBuf data = PooledByteBufAllocator.DEFAULT.directBuffer(n);
    data.writeBytes(random(n, 1));
    AtomicReference<String> thread = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(1);
    AtomicInteger status = new AtomicInteger(-1);
    device.write(
        0,
        data,
        0,
        n,
        false,
        s -> {
          thread.set(Thread.currentThread().getName());
          status.set(s);
          done.countDown();
        });
    assertTrue(done.await(10, TimeUnit.SECONDS));
    assertEquals(BlockStatus.OK, status.get());
    assertFalse(thread.get().startsWith(POOL_THREAD), "written by " + thread.get());
    ByteBuf back = PooledByteBufAllocator.DEFAULT.directBuffer(n).writerIndex(n);
    CountDownLatch read = new CountDownLatch(1);
    device.read(
        0,
        back,
        0,
        n,
        s -> {
          thread.set(Thread.currentThread().getName());
          read.countDown();
        });
    assertTrue(read.await(10, TimeUnit.SECONDS));
    assertFalse(thread.get().startsWith(POOL_THREAD), "read by " + thread.get());
    assertTrue(data.equals(back));
    data.release();
    back.release();
  }

  @Test
  void aFullRingHandsTheRestToThePoolAndLosesNothing() throws Exception {
    device.close();
    // Two entries: one request at a time on the ring, the others through the pool.
    device = FileBlockDevice.open(dir.resolve("small.img"), SIZE, direct(), pool, ring(2));
    int g = Math.max(4096, granularity());
    int requests = 256;
    byte[] expected = random(requests * g, 2);
    CountDownLatch writes = new CountDownLatch(requests);
    java.util.Queue<Integer> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
    List<ByteBuf> buffers = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      ByteBuf b = Unpooled.directBuffer(g).writeBytes(expected, i * g, g);
      buffers.add(b);
      device.write(
          (long) i * g,
          b,
          0,
          g,
          i % 16 == 0,
          s -> {
            if (s != BlockStatus.OK) {
              failures.add(s);
            }
            writes.countDown();
          });
    }
    assertTrue(writes.await(30, TimeUnit.SECONDS));
    assertEquals(List.of(), List.copyOf(failures));
    ByteBuf all = Unpooled.directBuffer(requests * g).writerIndex(requests * g);
    ok(s -> device.read(0, all, 0, requests * g, s));
    byte[] got = new byte[requests * g];
    all.getBytes(0, got);
    assertArrayEquals(expected, got);
    buffers.forEach(ByteBuf::release);
    all.release();
  }

  @Test
  void closeWaitsForTheRingsRequestsInFlight() throws Exception {
    int g = Math.max(4096, granularity());
    int requests = 32; // fewer than the ring's entries: none goes to the pool
    CountDownLatch done = new CountDownLatch(requests);
    java.util.Queue<Integer> statuses = new java.util.concurrent.ConcurrentLinkedQueue<>();
    ByteBuf b = Unpooled.directBuffer(g).writeBytes(random(g, 3));
    for (int i = 0; i < requests; i++) {
      device.write(
          (long) i * g,
          b,
          0,
          g,
          true,
          s -> {
            statuses.add(s);
            done.countDown();
          });
    }
    device.close();
    // Every request was answered by the time close returned: done or refused as closed, none lost.
    assertEquals(0, done.getCount());
    assertTrue(statuses.contains(BlockStatus.OK), statuses.toString());
    b.release();
    assertTrue(Files.size(dir.resolve("ring.img")) == SIZE);
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }
}
