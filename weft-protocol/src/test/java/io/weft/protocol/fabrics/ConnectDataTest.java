package io.weft.protocol.fabrics;

import static io.weft.protocol.testing.Hex.assertBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.protocol.testing.Expected;
import io.weft.protocol.testing.Hex;
import io.weft.protocol.testing.KernelVectors;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Connect command data (ref §3.1): HOSTID 0, CNTLID 16, SUBNQN 256, HOSTNQN 512, 1024 bytes. */
class ConnectDataTest {
  static final String SUBNQN = "nqn.2014-08.org.example:linux-peer-target";
  static final String HOSTNQN =
      "nqn.2014-08.org.nvmexpress:uuid:884a297d-fe2d-4a90-ae5a-fdef9a53666b";

  private static byte[] encode(ConnectData d) {
    ByteBuf b = Unpooled.buffer(1024);
    d.encode(b);
    return Hex.readable(b);
  }

  @Test
  void knownAnswer() {
    // ref §3.1: HOSTID is the UUID's 16 bytes in textual order; CNTLID 0xFFFF (dynamic model,
    // LE16); NQNs NUL terminated and NUL padded to 256 bytes.
    UUID host = UUID.fromString("00112233-4455-6677-8899-aabbccddeeff");
    byte[] expected =
        new Expected(1024)
            .at(0, "00112233445566778899aabbccddeeff")
            .at(16, "ffff")
            .ascii(256, 256, "nqn.2024-01.io.weft:sub1", '\0')
            .ascii(512, 256, "nqn.2024-01.io.weft:host-a", '\0')
            .bytes();
    ConnectData d =
        new ConnectData(
            host,
            ConnectData.CNTLID_DYNAMIC,
            "nqn.2024-01.io.weft:sub1",
            "nqn.2024-01.io.weft:host-a");
    assertBytes("Connect data", expected, encode(d));
    assertEquals(d, ConnectData.decode(Unpooled.wrappedBuffer(expected), 0));
  }

  @Test
  void ioQueueConnectCarriesTheAssignedCntlid() {
    ConnectData d = new ConnectData(new UUID(0, 1), 0x0102, "s", "h");
    byte[] b = encode(d);
    assertBytes("CNTLID", Hex.bytes("0201"), Arrays.copyOfRange(b, 16, 18));
    assertBytes("HOSTID", Hex.bytes("00000000000000000000000000000001"), Arrays.copyOf(b, 16));
  }

  @Test
  void theLinuxHostsConnectDataDecodesAndReencodesByteForByte() {
    // The 1024 bytes after the admin Connect SQE, as the 6.1 host sent them (with -g -G the data
    // starts at PDO 76, after the header digest).
    List<KernelVectors.Captured> h2c = KernelVectors.load("kernel61-digests-admin-h2c.hex");
    KernelVectors.Captured connect = KernelVectors.find(h2c, "Connect qid=0");
    byte[] data = Arrays.copyOfRange(connect.bytes(), 76, 76 + 1024);

    ConnectData d = ConnectData.decode(Unpooled.wrappedBuffer(data), 0);
    assertEquals(UUID.fromString("c077abc5-1969-42e8-941f-8e2ac87ef2ae"), d.hostId());
    assertEquals(0xFFFF, d.cntlid());
    assertEquals(SUBNQN, d.subsystemNqn());
    assertEquals(HOSTNQN, d.hostNqn());
    assertBytes("re-encoded kernel Connect data", data, encode(d));
  }

  @Test
  void ioQueueConnectDataFromTheKernelNamesTheAdminCntlid() {
    // nvmet gave CNTLID 1 on the admin Connect (DW0); the I/O queue Connect must carry it.
    List<KernelVectors.Captured> h2c = KernelVectors.load("kernel61-nodigest-io-h2c.hex");
    KernelVectors.Captured connect = KernelVectors.find(h2c, "Connect qid=1");
    ConnectData d = ConnectData.decode(Unpooled.wrappedBuffer(connect.bytes()), 72);
    assertEquals(1, d.cntlid());
    assertEquals(SUBNQN, d.subsystemNqn());
    assertEquals(HOSTNQN, d.hostNqn());
  }

  @Test
  void nqnFieldWithoutTerminatorReadsAll256Bytes() {
    String longest = "n".repeat(255);
    assertTrue(ConnectData.terminated(longest));
    assertFalse(ConnectData.terminated("n".repeat(256)));
    assertTrue(ConnectData.terminated(""));

    byte[] b = encode(new ConnectData(new UUID(0, 0), 1, longest, "h"));
    assertEquals(0, b[256 + 255]); // room for the NUL
    assertEquals(longest, ConnectData.decode(Unpooled.wrappedBuffer(b), 0).subsystemNqn());

    Arrays.fill(b, 256, 512, (byte) 'x'); // no NUL anywhere in the field
    assertEquals("x".repeat(256), ConnectData.decode(Unpooled.wrappedBuffer(b), 0).subsystemNqn());
  }

  @Test
  void paddedStrings() {
    ByteBuf b = Unpooled.wrappedBuffer(Hex.bytes("4c696e7578 2020 00 20"));
    assertEquals("Linux", Strings.readPadded(b, 0, 9));
    assertEquals("Linux", Strings.readNulTerminated(b, 0, 5));
    assertEquals("Linux  ", Strings.readNulTerminated(b, 0, 9));
  }
}
