package io.weft.protocol.nvme;

import io.netty.buffer.ByteBuf;
import java.util.UUID;

/**
 * Namespace Identification Descriptor list, CNS 03h (NVMe Base 2.0): a 4096-byte list of (NIDT,
 * NIDL, 2 reserved, NIDL bytes) entries ended by a zero entry.
 */
public final class NamespaceDescriptors {
  private NamespaceDescriptors() {}

  public static final int SIZE = 4096;
  public static final int NIDT_EUI64 = 0x01;
  public static final int NIDT_NGUID = 0x02;
  public static final int NIDT_UUID = 0x03;
  public static final int NIDT_CSI = 0x04;

  public static final int CSI_NVM = 0x00;

  /** Writes NGUID, UUID and CSI descriptors into a zeroed 4096-byte page. */
  public static void encode(ByteBuf page, byte[] nguid, UUID uuid, int csi) {
    int base = page.writerIndex();
    page.writeZero(SIZE);
    int at = base;
    page.setByte(at, NIDT_NGUID);
    page.setByte(at + 1, 16);
    page.setBytes(at + 4, nguid, 0, 16);
    at += 20;
    page.setByte(at, NIDT_UUID);
    page.setByte(at + 1, 16);
    page.setLong(at + 4, uuid.getMostSignificantBits());
    page.setLong(at + 12, uuid.getLeastSignificantBits());
    at += 20;
    page.setByte(at, NIDT_CSI);
    page.setByte(at + 1, 1);
    page.setByte(at + 4, csi);
  }
}
