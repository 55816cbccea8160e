package io.weft.protocol.discovery;

import static io.weft.protocol.testing.Hex.assertBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.protocol.nvme.Status;
import io.weft.protocol.testing.Expected;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Discovery Information Management data (TP8010) as nvme-cli 2.3 / libnvme 1.3 send it for {@code
 * nvme dim --task=register}: a 1024-byte header and one extended host entry with the Host ID, 2076
 * bytes; and every way the decoder refuses data, with the status the spec names.
 */
class DiscoveryInformationTest {
  static final String HOST = "nqn.2014-08.org.nvmexpress:uuid:0c7bd2a4-4a34-4b1b-9d65-1234567890ab";
  static final byte[] HOST_ID = {
    0x0c,
    0x7b,
    (byte) 0xd2,
    (byte) 0xa4,
    0x4a,
    0x34,
    0x4b,
    0x1b,
    (byte) 0x9d,
    0x65,
    0x12,
    0x34,
    0x56,
    0x78,
    (byte) 0x90,
    (byte) 0xab
  };

  /** nvme-cli's register payload, written out byte by byte from TP8010's figures. */
  static byte[] nvmeCliRegistration() {
    return new Expected(2076)
        .at(0, "1c080000") // TDL 2076
        .at(8, "0100000000000000") // NUMENT 1
        .at(16, "0200 0100 00 00 5f00") // ENTFMT extended, ETYPE host, PORTLCL 0, EKTYPE 5Fh
        .ascii(24, 256, HOST, '\0') // EID
        .ascii(280, 256, "gpu-node-17", '\0') // ENAME: the host name
        .ascii(536, 64, "Linux 6.1.0 Debian GNU/Linux 12", '\0') // EVER
        .at(1024, "03 01 00") // TRTYPE TCP, ADRFAM IPv4, SUBTYPE 0 (host)
        .ascii(1024 + 256, 256, HOST, '\0') // the entry's NQN; TRADDR empty
        .at(2048, "1c040000 0100 0000") // TEL 1052, NUMEXAT 1
        .at(2056, "0100 1000") // EXATTYPE Host ID, EXATLEN 16
        .at(2060, HOST_ID)
        .bytes();
  }

  static DiscoveryInformation registration() {
    return new DiscoveryInformation(
        DiscoveryInformation.FORMAT_EXTENDED,
        DiscoveryInformation.ENTITY_HOST,
        false,
        DiscoveryInformation.KEY_ADDRESS,
        HOST,
        "gpu-node-17",
        "Linux 6.1.0 Debian GNU/Linux 12",
        List.of(
            new DiscoveryInformationEntry(
                DiscoveryLogEntry.TRTYPE_TCP,
                DiscoveryLogEntry.ADRFAM_IPV4,
                0,
                0,
                0,
                0,
                0,
                "",
                HOST,
                "",
                0,
                List.of(new ExtendedAttribute(ExtendedAttribute.HOST_ID, HOST_ID)))));
  }

  static DiscoveryInformation decode(byte[] data) throws InvalidDiscoveryInformation {
    // Exactly the bytes sent: a read past them throws, which fails the test.
    return DiscoveryInformation.decode(Unpooled.wrappedBuffer(data), 0, data.length);
  }

  @Test
  void decodesNvmeCliRegistration() throws Exception {
    DiscoveryInformation d = decode(nvmeCliRegistration());
    assertEquals(registration(), d);
    assertEquals(2076, d.size());
  }

  @Test
  void encodesByteForByteWhatNvmeCliSends() {
    ByteBuf b = Unpooled.buffer();
    registration().encode(b);
    byte[] out = new byte[b.readableBytes()];
    b.getBytes(0, out);
    assertBytes("nvme dim --task=register", nvmeCliRegistration(), out);
  }

  @Test
  void subsystemEntriesOfADirectDiscoveryControllerRoundTrip() throws Exception {
    DiscoveryInformation ddc =
        new DiscoveryInformation(
            DiscoveryInformation.FORMAT_BASIC,
            DiscoveryInformation.ENTITY_DDC,
            true,
            DiscoveryInformation.KEY_PORT_ID,
            "nqn.2014-08.org.nvmexpress.discovery",
            "array-1",
            "7.2",
            List.of(subsystem("10.0.0.5", "nqn.2026-01.test:a"), subsystem("10.0.0.6", "nqn.x:b")));
    ByteBuf b = Unpooled.buffer();
    ddc.encode(b);
    assertEquals(1024 + 2 * 1024, b.readableBytes());
    byte[] bytes = new byte[b.readableBytes()];
    b.getBytes(0, bytes);
    assertEquals(ddc, decode(bytes));
  }

  static DiscoveryInformationEntry subsystem(String addr, String nqn) {
    return new DiscoveryInformationEntry(
        3, 1, 2, 0, 7, 0xFFFF, 32, "4420", nqn, addr, 0, List.of());
  }

  // ---- refusals: the status and the byte they name ----

  private static void refused(int status, int offset, Consumer<ByteBuf> change) {
    byte[] data = nvmeCliRegistration();
    ByteBuf b = Unpooled.wrappedBuffer(data);
    change.accept(b);
    InvalidDiscoveryInformation e =
        assertThrows(InvalidDiscoveryInformation.class, () -> decode(data));
    assertEquals(Status.describe(status | Status.DNR), Status.describe(e.status()), e.getMessage());
    assertTrue(Status.dnr(e.status()));
    assertEquals(offset, e.offset(), e.getMessage());
  }

  @Test
  void lengthsThatDisagreeAreInvalidDiscoveryInformation() {
    int invalid = Status.INVALID_DISCOVERY_INFORMATION;
    refused(invalid, 0, b -> b.setIntLE(0, 3000)); // TDL past the data
    refused(invalid, 0, b -> b.setIntLE(0, 1000)); // TDL shorter than the header
    refused(invalid, 8, b -> b.setLongLE(8, 0)); // no entries
    refused(invalid, 2076, b -> b.setLongLE(8, 2)); // a second entry that is not there
    refused(invalid, 2048, b -> b.setIntLE(2048, 1050)); // TEL not a multiple of 4
    refused(invalid, 2048, b -> b.setIntLE(2048, 4096)); // TEL past TDL
    refused(invalid, 2076, b -> b.setShortLE(2052, 2)); // an attribute that is not there
    refused(invalid, 1024 + 1028, b -> b.setShortLE(2052, 0)); // NUMEXAT 0: TEL disagrees
    refused(invalid, 24, b -> b.setByte(24, 'x')); // EID is not an NQN
    refused(invalid, 1024 + 256, b -> b.setByte(1024 + 256, 0)); // the entry's NQN is empty
    refused(invalid, 1024 + 2, b -> b.setByte(1024 + 2, 2)); // a host registers host entries
  }

  @Test
  void fieldsOutOfRangeAreInvalidField() {
    int field = Status.INVALID_FIELD;
    refused(field, 16, b -> b.setShortLE(16, 3)); // entry format
    refused(field, 18, b -> b.setShortLE(18, 4)); // entity type
    refused(field, 20, b -> b.setByte(20, 1)); // port local from a host
    refused(field, 22, b -> b.setShortLE(22, 0x3F)); // a host's entries are keyed by address
    refused(field, 1024 + 1032 + 2, b -> b.setShortLE(2058, 6)); // EXATLEN not a multiple of 4
    refused(field, 1024 + 1032 + 2, b -> b.setShortLE(2058, 0)); // EXATLEN 0
  }

  @Test
  void tooManyEntriesAreInsufficientResources() {
    refused(Status.INSUFFICIENT_DISCOVERY_RESOURCES, 8, b -> b.setLongLE(8, 1_000_000));
    refused(Status.INSUFFICIENT_DISCOVERY_RESOURCES, 8, b -> b.setLongLE(8, -1));
  }

  @Test
  void aHostEntryWithoutItsHostIdIsRefused() {
    // Attribute type 2 (a name) instead of the Host ID.
    refused(Status.INVALID_DISCOVERY_INFORMATION, 2056, b -> b.setShortLE(2056, 2));
  }

  @Test
  void shortDataIsRefusedBeforeAnythingIsRead() {
    InvalidDiscoveryInformation e =
        assertThrows(InvalidDiscoveryInformation.class, () -> decode(new byte[100]));
    assertEquals(Status.INVALID_DISCOVERY_INFORMATION | Status.DNR, e.status());
  }
}
