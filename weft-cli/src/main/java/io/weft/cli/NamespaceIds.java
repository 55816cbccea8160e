package io.weft.cli;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.host.Command;
import io.weft.host.HostController;
import io.weft.host.NvmeException;
import io.weft.protocol.nvme.NamespaceDescriptors;
import io.weft.protocol.nvme.Opcodes;
import java.io.IOException;
import java.util.UUID;

/**
 * A namespace's identifiers from the Namespace Identification Descriptor list (Identify CNS 03h),
 * each null when absent.
 */
record NamespaceIds(String eui64, String nguid, UUID uuid) {

  /**
   * Reads the list; null if the controller does not answer CNS 03h (mandatory only from NVMe 1.3),
   * so callers can do without it. Transport failures are thrown.
   */
  static NamespaceIds read(HostController controller, int nsid) throws IOException {
    ByteBuf page = Unpooled.buffer(NamespaceDescriptors.SIZE);
    Command c = new Command();
    c.opcode = Opcodes.ADMIN_IDENTIFY;
    c.nsid = nsid;
    c.cdw10 = Opcodes.CNS_NS_DESCRIPTORS;
    c.data = page;
    c.dataLength = NamespaceDescriptors.SIZE;
    try {
      controller.admin(c, "Identify Namespace Identification Descriptors");
    } catch (NvmeException e) {
      if (e.isNvmeStatus()) {
        return null;
      }
      throw e;
    }
    return decode(page);
  }

  /** Entries are NIDT, NIDL, 2 reserved bytes, NIDL bytes of identifier; NIDT 0 ends the list. */
  static NamespaceIds decode(ByteBuf page) {
    String eui64 = null;
    String nguid = null;
    UUID uuid = null;
    int at = 0;
    while (at + 4 <= NamespaceDescriptors.SIZE) {
      int type = page.getUnsignedByte(at);
      int length = page.getUnsignedByte(at + 1);
      if (type == 0 || at + 4 + length > NamespaceDescriptors.SIZE) {
        break;
      }
      byte[] id = new byte[length];
      page.getBytes(at + 4, id);
      switch (type) {
        case NamespaceDescriptors.NIDT_EUI64 -> eui64 = length == 8 ? Fields.hex(id) : null;
        case NamespaceDescriptors.NIDT_NGUID -> nguid = length == 16 ? Fields.hex(id) : null;
        case NamespaceDescriptors.NIDT_UUID ->
            uuid = length == 16 ? new UUID(page.getLong(at + 4), page.getLong(at + 12)) : null;
        default -> {}
      }
      at += 4 + length;
    }
    return new NamespaceIds(eui64, nguid, uuid);
  }
}
