package io.weft.protocol.nvme;

import io.netty.buffer.ByteBuf;

/**
 * The 16-byte SGL descriptor in SQE bytes 24..39 (NVMe Base 2.0, "SGL Descriptor"). NVMe/TCP uses
 * two kinds: a Data Block with the Offset subtype for in-capsule data, and a Transport SGL Data
 * Block for data moved by R2T/H2CData or C2HData.
 */
public final class Sgl {
  private Sgl() {}

  public static final int SIZE = 16;
  public static final int ADDRESS = 0;
  public static final int LENGTH = 8;
  public static final int IDENTIFIER = 15;

  /** Type 0 (Data Block), subtype 1 (Offset): data follows the SQE in the capsule. */
  public static final int DATA_BLOCK_OFFSET = 0x01;

  /** Type 5 (Transport SGL Data Block), subtype 0xA (transport specific). */
  public static final int TRANSPORT_DATA_BLOCK = 0x5A;

  public static long address(ByteBuf b, int sqeBase) {
    return b.getLongLE(sqeBase + Sqe.DPTR + ADDRESS);
  }

  /** Length in bytes, unsigned. */
  public static long length(ByteBuf b, int sqeBase) {
    return b.getUnsignedIntLE(sqeBase + Sqe.DPTR + LENGTH);
  }

  public static int identifier(ByteBuf b, int sqeBase) {
    return b.getUnsignedByte(sqeBase + Sqe.DPTR + IDENTIFIER);
  }

  public static void write(ByteBuf b, int sqeBase, long address, int length, int identifier) {
    b.setLongLE(sqeBase + Sqe.DPTR + ADDRESS, address);
    b.setIntLE(sqeBase + Sqe.DPTR + LENGTH, length);
    b.setZero(sqeBase + Sqe.DPTR + 12, 3);
    b.setByte(sqeBase + Sqe.DPTR + IDENTIFIER, identifier);
  }
}
