package io.weft.node.volume;

import io.netty.buffer.ByteBuf;
import io.weft.block.BlockDevice;
import io.weft.block.BlockStatus;
import io.weft.block.IoCallback;

/**
 * The device behind a volume's namespace on a node. It stays the same for the namespace's life
 * (hosts never see the namespace change) while what it forwards to follows the node's role: the
 * replicated device while this node owns the volume, nothing otherwise (the path is inaccessible
 * then, and I/O that still arrives is refused as "retry another path").
 */
final class VolumeDevice implements BlockDevice {
  /** What hosts see; grows (only) once the node serves the larger volume ({@link #grow}). */
  private volatile long sizeBytes;

  private final boolean volatileCache;
  private volatile BlockDevice delegate;

  VolumeDevice(long sizeBytes, boolean volatileCache) {
    this.sizeBytes = sizeBytes;
    this.volatileCache = volatileCache;
  }

  /**
   * Shows hosts the larger size. The caller makes sure whatever serves I/O (the owner's replicated
   * device) covers it first.
   */
  @Override
  public void grow(long newSizeBytes) {
    if (newSizeBytes > sizeBytes) {
      sizeBytes = newSizeBytes;
    }
  }

  /** What I/O goes to from now on; null refuses it. */
  void serveWith(BlockDevice device) {
    this.delegate = device;
  }

  BlockDevice current() {
    return delegate;
  }

  @Override
  public long sizeBytes() {
    return sizeBytes;
  }

  @Override
  public long usedBytes() {
    BlockDevice d = delegate;
    return d == null ? 0 : d.usedBytes();
  }

  @Override
  public boolean volatileWriteCache() {
    return volatileCache;
  }

  @Override
  public void read(long offset, ByteBuf dst, int dstIndex, int length, IoCallback callback) {
    BlockDevice d = delegate;
    if (d == null) {
      callback.complete(BlockStatus.PATH_UNAVAILABLE);
    } else {
      d.read(offset, dst, dstIndex, length, callback);
    }
  }

  @Override
  public void write(
      long offset, ByteBuf src, int srcIndex, int length, boolean fua, IoCallback callback) {
    BlockDevice d = delegate;
    if (d == null) {
      callback.complete(BlockStatus.PATH_UNAVAILABLE);
    } else {
      d.write(offset, src, srcIndex, length, fua, callback);
    }
  }

  @Override
  public void flush(IoCallback callback) {
    BlockDevice d = delegate;
    if (d == null) {
      callback.complete(BlockStatus.PATH_UNAVAILABLE);
    } else {
      d.flush(callback);
    }
  }

  @Override
  public void writeZeroes(long offset, long length, IoCallback callback) {
    BlockDevice d = delegate;
    if (d == null) {
      callback.complete(BlockStatus.PATH_UNAVAILABLE);
    } else {
      d.writeZeroes(offset, length, callback);
    }
  }

  @Override
  public void deallocate(long offset, long length, IoCallback callback) {
    BlockDevice d = delegate;
    if (d == null) {
      callback.complete(BlockStatus.PATH_UNAVAILABLE);
    } else {
      d.deallocate(offset, length, callback);
    }
  }

  /** The agent owns what this forwards to; closing the namespace closes nothing here. */
  @Override
  public void close() {}
}
