package io.weft.node.volume;

import io.netty.buffer.ByteBuf;
import io.weft.block.BlockDevice;
import io.weft.block.IoCallback;

/**
 * The local replica as the internal replica subsystem exports it: every call goes to the replica,
 * each change is noted in {@link RecentWrites} first, and closing the namespace leaves the replica
 * open (the volume's agent closes it when the volume leaves this node).
 */
final class SharedDevice implements BlockDevice {
  private final BlockDevice replica;
  private final RecentWrites recent;

  SharedDevice(BlockDevice replica, RecentWrites recent) {
    this.replica = replica;
    this.recent = recent;
  }

  @Override
  public long sizeBytes() {
    return replica.sizeBytes();
  }

  @Override
  public long usedBytes() {
    return replica.usedBytes();
  }

  @Override
  public boolean volatileWriteCache() {
    return replica.volatileWriteCache();
  }

  @Override
  public void read(long offset, ByteBuf dst, int dstIndex, int length, IoCallback callback) {
    replica.read(offset, dst, dstIndex, length, callback);
  }

  @Override
  public void write(
      long offset, ByteBuf src, int srcIndex, int length, boolean fua, IoCallback callback) {
    recent.mark(offset, length);
    replica.write(offset, src, srcIndex, length, fua, callback);
  }

  @Override
  public void flush(IoCallback callback) {
    replica.flush(callback);
  }

  @Override
  public void writeZeroes(long offset, long length, IoCallback callback) {
    recent.mark(offset, length);
    replica.writeZeroes(offset, length, callback);
  }

  @Override
  public void deallocate(long offset, long length, IoCallback callback) {
    recent.mark(offset, length);
    replica.deallocate(offset, length, callback);
  }

  @Override
  public void close() {}
}
