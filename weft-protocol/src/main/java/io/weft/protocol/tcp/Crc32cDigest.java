package io.weft.protocol.tcp;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * CRC32C (Castagnoli) header and data digests (NVMe/TCP Transport 1.0, "PDU Digests"): standard
 * initial value and final XOR, stored little-endian after the covered bytes. One instance per
 * connection; not thread-safe.
 */
public final class Crc32cDigest {
  private final CRC32C crc = new CRC32C();

  /** CRC32C of {@code length} bytes of {@code buf} from {@code index}. */
  public int compute(ByteBuf buf, int index, int length) {
    crc.reset();
    update(buf, index, length);
    return (int) crc.getValue();
  }

  /** Starts a digest that spans several buffers; follow with {@link #update} and {@link #value}. */
  public void reset() {
    crc.reset();
  }

  public void update(ByteBuf buf, int index, int length) {
    if (length == 0) {
      return;
    }
    if (buf.hasArray()) {
      crc.update(buf.array(), buf.arrayOffset() + index, length);
    } else if (buf.nioBufferCount() == 1) {
      crc.update(buf.internalNioBuffer(index, length));
    } else {
      for (ByteBuffer part : buf.nioBuffers(index, length)) {
        crc.update(part);
      }
    }
  }

  public int value() {
    return (int) crc.getValue();
  }
}
