package io.weft.protocol.nvme;

import io.netty.buffer.ByteBuf;

/**
 * Identify Namespace data structure for the NVM command set, CNS 00h (NVM Command Set 1.0,
 * "Identify Namespace Data Structure"): 4096 bytes, one LBA format, no metadata.
 *
 * @param sizeBlocks NSZE and NCAP, in logical blocks
 * @param usedBlocks NUSE
 * @param blockSizeShift LBADS: log2 of the logical block size (9..12)
 * @param nmic namespace multi-path and sharing capabilities (bit 0: may be shared)
 * @param dlfeat deallocate logical block features (bits 2:0 = 001b: deallocated blocks read 0)
 * @param nguid 16 bytes
 * @param anaGroupId ANAGRPID: the ANA group the namespace belongs to (0: no ANA reporting)
 */
public record IdentifyNamespace(
    long sizeBlocks,
    long usedBlocks,
    int blockSizeShift,
    int nmic,
    int dlfeat,
    boolean readOnly,
    byte[] nguid,
    int anaGroupId) {

  public static final int SIZE = 4096;
  public static final int NSZE = 0;
  public static final int NCAP = 8;
  public static final int NUSE = 16;
  public static final int NSFEAT = 24;
  public static final int NLBAF = 25;
  public static final int FLBAS = 26;
  public static final int NMIC = 30;
  public static final int DLFEAT = 33;
  public static final int ANAGRPID = 92;
  public static final int NSATTR = 99;
  public static final int NGUID = 104;
  public static final int EUI64 = 120;
  public static final int LBAF0 = 128;

  public void encode(ByteBuf page) {
    int base = page.writerIndex();
    page.writeZero(SIZE);
    page.setLongLE(base + NSZE, sizeBlocks);
    page.setLongLE(base + NCAP, sizeBlocks);
    page.setLongLE(base + NUSE, usedBlocks);
    page.setByte(base + NLBAF, 0);
    page.setByte(base + FLBAS, 0);
    page.setByte(base + NMIC, nmic);
    page.setByte(base + DLFEAT, dlfeat);
    page.setIntLE(base + ANAGRPID, anaGroupId);
    page.setByte(base + NSATTR, readOnly ? 1 : 0);
    page.setBytes(base + NGUID, nguid, 0, 16);
    // LBA format 0: MS = 0 (no metadata), LBADS, RP = 0 (best performance).
    page.setByte(base + LBAF0 + 2, blockSizeShift);
  }

  public static IdentifyNamespace decode(ByteBuf b, int base) {
    int flbas = b.getUnsignedByte(base + FLBAS);
    // Format index: bits 3:0 are its low bits, bits 6:5 its bits 5:4 (NVMe 2.0, up to 64 formats).
    int format = (flbas & 0xF) | ((flbas & 0x60) >>> 1);
    byte[] nguid = new byte[16];
    b.getBytes(base + NGUID, nguid);
    return new IdentifyNamespace(
        b.getLongLE(base + NSZE),
        b.getLongLE(base + NUSE),
        b.getUnsignedByte(base + LBAF0 + format * 4 + 2),
        b.getUnsignedByte(base + NMIC),
        b.getUnsignedByte(base + DLFEAT),
        (b.getUnsignedByte(base + NSATTR) & 1) != 0,
        nguid,
        b.getIntLE(base + ANAGRPID));
  }
}
