package io.weft.block;

import static io.weft.block.Io.ok;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Runs the contract against a memory device with small (64 KiB) chunks, so that requests cross
 * chunk boundaries often, and checks what is specific to the memory backend.
 */
class MemoryBlockDeviceTest extends BlockDeviceContractTest {
  @Override
  protected boolean grows() {
    return false;
  }

  private static final int CHUNK = 64 * 1024;

  @Override
  protected BlockDevice create(long sizeBytes) {
    return new MemoryBlockDevice(sizeBytes, CHUNK);
  }

  @Test
  void usedBytesCountsAllocatedChunks() {
    assertEquals(0, device.usedBytes(), "nothing allocated before the first write");
    write(CHUNK + 5, new byte[] {1});
    assertEquals(CHUNK, device.usedBytes());
    write(3L * CHUNK - 2, new byte[] {1, 2, 3, 4}); // touches chunks 2 and 3
    assertEquals(3L * CHUNK, device.usedBytes());

    ok(cb -> device.deallocate(CHUNK, CHUNK - 1, cb)); // partial: the chunk stays
    assertEquals(3L * CHUNK, device.usedBytes());
    ok(cb -> device.deallocate(CHUNK, CHUNK, cb)); // whole: the chunk goes
    assertEquals(2L * CHUNK, device.usedBytes());
    ok(cb -> device.writeZeroes(0, SIZE, cb));
    assertEquals(0, device.usedBytes());
  }

  @Test
  void readsDoNotAllocate() {
    read(0, SIZE);
    assertEquals(0, device.usedBytes());
  }

  @Test
  void lastChunkCountsOnlyUpToTheSize() {
    long size = CHUNK + 1000;
    try (MemoryBlockDevice small = new MemoryBlockDevice(size, CHUNK)) {
      ByteBuf one = Unpooled.wrappedBuffer(new byte[] {42});
      ok(cb -> small.write(size - 1, one, 0, 1, false, cb));
      assertEquals(1000, small.usedBytes());
      ok(cb -> small.write(0, one, 0, 1, false, cb));
      assertEquals(size, small.usedBytes());
      // Deallocating up to the end drops the short last chunk as a whole.
      ok(cb -> small.deallocate(CHUNK, 1000, cb));
      assertEquals(CHUNK, small.usedBytes());
    }
  }

  @Test
  void defaultChunkIsOneHugePage() {
    try (MemoryBlockDevice dev = new MemoryBlockDevice(5L << 20)) {
      assertEquals(2 << 20, dev.chunkSize());
      ByteBuf one = Unpooled.wrappedBuffer(new byte[] {7});
      ok(cb -> dev.write((5L << 20) / 2, one, 0, 1, false, cb));
      assertEquals(2 << 20, dev.usedBytes(), "one byte at 2.5 MiB takes the second chunk only");
    }
  }

  @Test
  void completesSynchronouslyOnTheCallersThread() {
    Thread caller = Thread.currentThread();
    ByteBuf buf = Unpooled.buffer(16).writerIndex(16);
    Io.Pending[] pending = new Io.Pending[6];
    for (int i = 0; i < pending.length; i++) {
      pending[i] = new Io.Pending();
    }
    device.write(0, buf, 0, 16, false, pending[0]);
    device.write(0, buf, 0, 16, true, pending[1]);
    device.read(0, buf, 0, 16, pending[2]);
    device.flush(pending[3]);
    device.writeZeroes(0, 16, pending[4]);
    device.deallocate(0, 16, pending[5]);
    for (Io.Pending p : pending) {
      assertTrue(p.isDone(), "completed before the call returned");
      assertSame(caller, p.await().thread());
      assertEquals(BlockStatus.OK, p.status());
    }
  }

  @Test
  void hasNoVolatileWriteCache() {
    assertFalse(device.volatileWriteCache());
  }

  @Test
  void closeReleasesTheData() {
    write(0, pattern(1, 3 * CHUNK));
    device.close();
    assertEquals(0, device.usedBytes());
  }

  @Test
  void outOfRangeDoesNotAllocate() {
    ByteBuf buf = Unpooled.buffer(2).writerIndex(2);
    AtomicInteger status = new AtomicInteger(-1);
    device.write(SIZE - 1, buf, 0, 2, false, status::set);
    assertEquals(BlockStatus.OUT_OF_RANGE, status.get());
    assertEquals(0, device.usedBytes());
  }

  @Test
  void rejectsInvalidGeometry() {
    assertThrows(IllegalArgumentException.class, () -> new MemoryBlockDevice(0));
    assertThrows(IllegalArgumentException.class, () -> new MemoryBlockDevice(-1));
    assertThrows(IllegalArgumentException.class, () -> new MemoryBlockDevice(1 << 20, 3000));
    assertThrows(IllegalArgumentException.class, () -> new MemoryBlockDevice(1 << 20, 0));
    assertThrows(IllegalArgumentException.class, () -> new MemoryBlockDevice(Long.MAX_VALUE, 1));
  }

  @Test
  void lendsTheWrittenBytesWithoutACopy() {
    byte[] data = new byte[4096];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 7 + 3);
    }
    write(CHUNK + 512, data);
    ByteBuf loan = device.lend(CHUNK + 512, data.length);
    try {
      assertEquals(data.length, loan.readableBytes());
      byte[] lent = new byte[data.length];
      loan.getBytes(loan.readerIndex(), lent);
      assertArrayEquals(data, lent);
      // The loan is the chunk's memory, so a later write shows through: callers send it at once.
      write(CHUNK + 512, new byte[] {9});
      assertEquals(9, loan.getByte(loan.readerIndex()));
    } finally {
      loan.release();
    }
    assertArrayEquals(new byte[] {9, data[1]}, read(CHUNK + 512, 2), "the device outlives a loan");
  }

  @Test
  void lendsNothingItCannotLendWhole() {
    write(0, new byte[] {1});
    write(CHUNK, new byte[] {1});
    assertNull(device.lend(CHUNK - 512, 1024), "crosses a chunk boundary");
    assertNull(device.lend(2L * CHUNK, 512), "a chunk never written");
    assertNull(device.lend(SIZE - 512, 1024), "out of range");
    assertNull(device.lend(-512, 512), "negative offset");
    assertNull(device.lend(0, 0), "nothing to lend");
    device.close();
    assertNull(device.lend(0, 512), "closed");
  }

  @Test
  void aLoanOutlivesItsChunk() {
    write(0, new byte[] {5, 6, 7, 8});
    ByteBuf loan = device.lend(0, 4);
    ok(cb -> device.deallocate(0, CHUNK, cb)); // drops the whole chunk
    assertEquals(0, device.usedBytes());
    assertEquals(5, loan.getByte(loan.readerIndex()), "still the memory it lent");
    loan.release();
    assertArrayEquals(new byte[4], read(0, 4), "the device reads zeros there now");
  }
}
