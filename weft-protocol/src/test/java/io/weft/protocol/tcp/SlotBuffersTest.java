package io.weft.protocol.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

class SlotBuffersTest {
  private final PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;

  @Test
  void aSentBufferIsReusedEmptyForTheSlotsNextCommand() {
    SlotBuffers buffers = new SlotBuffers(4);
    ByteBuf first = buffers.take(alloc, 2, 24);
    first.writeLong(0x1122334455667788L);
    assertEquals(2, first.refCnt(), "the slot's reference and the write's");
    first.release(); // the channel, once the bytes are out
    ByteBuf second = buffers.take(alloc, 2, 24);
    assertSame(first, second);
    assertEquals(0, second.readableBytes(), "emptied for the next header");
    second.release();
    buffers.releaseAll();
    assertEquals(0, first.refCnt(), "back in the pool");
  }

  @Test
  void aBufferStillQueuedIsNeverWrittenAgain() {
    SlotBuffers buffers = new SlotBuffers(1);
    ByteBuf queued = buffers.take(alloc, 0, 24);
    queued.writeInt(7);
    ByteBuf next = buffers.take(alloc, 0, 24);
    assertNotSame(queued, next);
    assertEquals(7, queued.getInt(0), "the queued bytes are untouched");
    assertEquals(1, queued.refCnt(), "only the channel holds the old one now");
    queued.release();
    assertEquals(0, queued.refCnt());
    next.release();
    buffers.releaseAll();
    assertEquals(0, next.refCnt());
  }

  @Test
  void aLargerHeaderGetsALargerBuffer() {
    SlotBuffers buffers = new SlotBuffers(1);
    ByteBuf small = buffers.take(alloc, 0, 24);
    assertEquals(24, small.maxWritableBytes());
    small.release();
    // The pool may hand the same (recycled) object back, so only the room is checked.
    ByteBuf large = buffers.take(alloc, 0, 28);
    assertEquals(28, large.maxWritableBytes());
    assertEquals(2, large.refCnt(), "the slot's reference and the write's");
    large.release();
    buffers.releaseAll();
    assertEquals(0, large.refCnt());
  }

  @Test
  void afterReleaseAllBuffersAreUnowned() {
    SlotBuffers buffers = new SlotBuffers(1);
    buffers.releaseAll();
    ByteBuf b = buffers.take(alloc, 0, 24);
    assertEquals(1, b.refCnt(), "the write's reference only");
    b.release();
    assertEquals(0, b.refCnt());
  }
}
