package io.weft.protocol.nvme;

import static io.weft.protocol.testing.Hex.assertBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.protocol.testing.Expected;
import io.weft.protocol.testing.Hex;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Identify Controller (ref §4.2), Identify Namespace (ref §4.3) and the Namespace Identification
 * Descriptor list (ref §4.4): the whole 4096-byte page is the expected image, built from hex placed
 * at the spec offsets; every byte not placed must be zero.
 */
class IdentifyKnownAnswerTest {

  private static byte[] encodePage(java.util.function.Consumer<ByteBuf> encoder) {
    ByteBuf b = Unpooled.buffer(4096);
    encoder.accept(b);
    return Hex.readable(b);
  }

  static final IdentifyController CONTROLLER =
      new IdentifyController(
          "WEFT0001",
          "Weft NVMe/TCP",
          "0.1.0",
          0x0B, // CMIC: multi-port, multi-controller, ANA reporting
          5, // MDTS: 128 KiB
          7, // CNTLID
          ControllerRegisters.VERSION_1_3,
          IdentifyController.OAES_NS_ATTRIBUTE | IdentifyController.OAES_ANA_CHANGE,
          IdentifyController.CTRATT_HOSTID_128 | IdentifyController.CTRATT_TBKAS,
          IdentifyController.CONTROLLER_TYPE_IO,
          3, // AERL
          0x07, // LPA
          63, // ELPE
          10, // KAS (100 ms units)
          128, // MAXCMD
          32, // NN
          IdentifyController.ONCS_DSM | IdentifyController.ONCS_WRITE_ZEROES,
          1, // VWC
          IdentifyController.SGLS_SUPPORTED,
          "nqn.2024-01.io.weft:sub1",
          1028, // IOCCSZ
          1, // IORCSZ
          new IdentifyController.Ana(10, 0x5F, 32, 32, 32));

  @Test
  void identifyControllerKnownAnswer() {
    byte[] expected =
        new Expected(4096)
            .ascii(4, 20, "WEFT0001", ' ') // SN, space padded (ref §4.2)
            .ascii(24, 40, "Weft NVMe/TCP", ' ') // MN
            .ascii(64, 8, "0.1.0", ' ') // FR
            .at(72, "06") // RAB
            .at(76, "0b") // CMIC bits 0, 1, 3
            .at(77, "05") // MDTS
            .at(78, "0700") // CNTLID
            .at(80, "00030100") // VER 1.3.0
            .at(92, "00090000") // OAES bits 8 and 11
            .at(96, "41000000") // CTRATT bits 0 and 6
            .at(111, "01") // CNTRLTYPE I/O
            .at(258, "03 03 03 07 3f") // ACL, AERL, FRMW, LPA, ELPE
            .at(264, "01") // AVSCC
            .at(266, "5701 7501") // WCTEMP 343 K, CCTEMP 373 K
            .at(320, "0a00") // KAS
            // ANATT 10 s, ANACAP: all five states, static group IDs; ANAGRPMAX 32, NANAGRPID 32
            // (offsets as SPDK's identify and the Linux host read them: 342, 343, 344, 348)
            .at(342, "0a 5f 20000000 20000000")
            .at(512, "66 44 8000 20000000") // SQES, CQES, MAXCMD 128, NN 32
            .at(520, "0c00") // ONCS bits 2, 3
            .at(525, "01") // VWC
            .at(536, "01001000") // SGLS 0x00100001
            .at(540, "20000000") // MNAN 32
            .ascii(768, 256, "nqn.2024-01.io.weft:sub1", '\0') // SUBNQN
            .at(1792, "04040000 01000000") // IOCCSZ 1028, IORCSZ 1; ICDOFF 0 at 1800
            .at(1803, "01") // MSDBD; FCATT 0 at 1802
            .at(2048, "c409") // PSD0 MP 2500 cW
            .bytes();
    byte[] actual = encodePage(CONTROLLER::encode);
    assertBytes("Identify Controller", expected, actual);
    assertEquals(CONTROLLER, IdentifyController.decode(Unpooled.wrappedBuffer(expected), 0));
  }

  @Test
  void identifyControllerDecodesAtABase() {
    ByteBuf b = Unpooled.buffer();
    b.writeZero(100);
    CONTROLLER.encode(b);
    assertEquals(100 + 4096, b.writerIndex());
    assertEquals(CONTROLLER, IdentifyController.decode(b, 100));
  }

  @Test
  void identifyControllerStringsAreTruncatedToTheirFields() {
    IdentifyController c =
        new IdentifyController(
            "S".repeat(30),
            "M".repeat(50),
            "123456789",
            0,
            0,
            1,
            0,
            0,
            0,
            1,
            0,
            0,
            0,
            0,
            1,
            1,
            0,
            0,
            1,
            "n".repeat(300),
            4,
            1,
            IdentifyController.Ana.NONE);
    byte[] page = encodePage(c::encode);
    assertEquals('S', page[23]); // SN's 20 bytes end at 23, MN starts at 24
    assertEquals('M', page[24]);
    assertEquals('M', page[63]);
    assertEquals('1', page[64]);
    assertEquals('8', page[71]);
    assertEquals(6, page[72]); // FR did not spill into RAB
    assertEquals(0, page[767]);
    assertEquals('n', page[768 + 255]);
    assertEquals(0, page[1024]); // SUBNQN did not spill past 1023
    IdentifyController d = IdentifyController.decode(Unpooled.wrappedBuffer(page), 0);
    assertEquals("S".repeat(20), d.serial());
    assertEquals("M".repeat(40), d.model());
    assertEquals("12345678", d.firmware());
    assertEquals("n".repeat(256), d.subsystemNqn());
  }

  @Test
  void maxTransferBytes() {
    // ref §4.2: 2^MDTS x 4 KiB (CAP.MPSMIN = 0); 0 = no limit.
    assertEquals(0, IdentifyController.maxTransferBytes(0));
    assertEquals(8192, IdentifyController.maxTransferBytes(1));
    assertEquals(128 * 1024, IdentifyController.maxTransferBytes(5));
  }

  @Test
  void identifyNamespaceKnownAnswer() {
    byte[] nguid = Hex.bytes("00112233445566778899aabbccddeeff");
    IdentifyNamespace ns = new IdentifyNamespace(0x200000, 0x1000, 12, 1, 1, true, nguid, 7);
    byte[] expected =
        new Expected(4096)
            .at(0, "0000200000000000") // NSZE (ref §4.3)
            .at(8, "0000200000000000") // NCAP = NSZE
            .at(16, "0010000000000000") // NUSE
            .at(30, "01") // NMIC shared; NLBAF 0 and FLBAS 0 at 25/26
            .at(33, "01") // DLFEAT: deallocated blocks read zero
            .at(92, "07000000") // ANAGRPID 7
            .at(99, "01") // NSATTR read-only
            .at(104, nguid) // NGUID
            .at(130, "0c") // LBAF0: MS 0, LBADS 12 (4096 bytes), RP 0
            .bytes();
    assertBytes("Identify Namespace", expected, encodePage(ns::encode));

    IdentifyNamespace d = IdentifyNamespace.decode(Unpooled.wrappedBuffer(expected), 0);
    assertEquals(0x200000, d.sizeBlocks());
    assertEquals(0x1000, d.usedBlocks());
    assertEquals(12, d.blockSizeShift());
    assertEquals(1, d.nmic());
    assertEquals(1, d.dlfeat());
    assertTrue(d.readOnly());
    assertArrayEquals(nguid, d.nguid());
    assertEquals(7, d.anaGroupId());
  }

  @Test
  void anaLogPageKnownAnswer() {
    AnaLogPage log =
        new AnaLogPage(
            9,
            List.of(
                new AnaLogPage.Group(1, 4, AnaLogPage.OPTIMIZED, new int[] {1}),
                new AnaLogPage.Group(3, 9, AnaLogPage.INACCESSIBLE, new int[] {3, 0x01020304})));
    byte[] expected =
        new Expected(16 + 32 + 4 + 32 + 8)
            .at(0, "0900000000000000 0200") // change count 9, two descriptors
            .at(16, "01000000 01000000 0400000000000000 01") // group 1, 1 NSID, cc 4, optimized
            .at(48, "01000000") // NSID 1
            .at(52, "03000000 02000000 0900000000000000 03") // group 3, 2 NSIDs, inaccessible
            .at(84, "03000000 04030201") // NSIDs 3 and 0x01020304
            .bytes();
    ByteBuf b = Unpooled.buffer();
    log.encode(b, false);
    assertEquals(log.size(false), b.readableBytes());
    assertBytes("ANA log", expected, Hex.readable(b));

    byte[] groupsOnly =
        new Expected(16 + 64)
            .at(0, "0900000000000000 0200")
            .at(16, "01000000 00000000 0400000000000000 01") // RGO: NNSID 0, no list
            .at(48, "03000000 00000000 0900000000000000 03")
            .bytes();
    ByteBuf g = Unpooled.buffer();
    log.encode(g, true);
    assertBytes("ANA log, groups only", groupsOnly, Hex.readable(g));

    AnaLogPage back = AnaLogPage.decode(Unpooled.wrappedBuffer(expected), 0);
    assertEquals(9, back.changeCount());
    assertEquals(AnaLogPage.INACCESSIBLE, back.stateOf(3));
    assertEquals(-1, back.stateOf(2));
    assertArrayEquals(new int[] {3, 0x01020304}, back.groups().get(1).nsids());
    assertEquals(
        0, AnaLogPage.decode(Unpooled.wrappedBuffer(groupsOnly), 0).groups().get(0).nsids().length);
  }

  @Test
  void anaStatesMapToPathStatusesWithoutDnr() {
    assertEquals(Status.ANA_INACCESSIBLE, AnaLogPage.ioStatus(AnaLogPage.INACCESSIBLE));
    assertEquals(Status.ANA_PERSISTENT_LOSS, AnaLogPage.ioStatus(AnaLogPage.PERSISTENT_LOSS));
    assertEquals(Status.ANA_TRANSITION, AnaLogPage.ioStatus(AnaLogPage.CHANGE));
    assertEquals(Status.SCT_PATH, Status.sct(Status.ANA_INACCESSIBLE));
    assertTrue(AnaLogPage.accessible(AnaLogPage.NON_OPTIMIZED));
    for (String name :
        List.of("optimized", "non-optimized", "inaccessible", "persistent-loss", "change")) {
      assertEquals(name, AnaLogPage.name(AnaLogPage.parse(name)));
    }
    assertEquals(-1, AnaLogPage.parse("bogus"));
  }

  @Test
  void identifyNamespaceDecodeUsesTheSelectedLbaFormat() {
    // ref §4.3: the format index is FLBAS bits 3:0 plus bits 6:5 as index bits 5:4. FLBAS 0x21
    // selects format 0x11 = 17 (at 128 + 17 x 4 = 196), not format 1 (at 132); bit 4 (metadata
    // at the end of the LBA) is not part of the index.
    byte[] page =
        new Expected(4096)
            .at(0, "0010000000000000")
            .at(25, "11") // NLBAF: 18 formats (0's based)
            .at(26, "31") // FLBAS: bits 3:0 = 1, bit 4 set, bits 6:5 = 01
            .at(134, "0c") // LBAF1: LBADS 12
            .at(198, "09") // LBAF17: LBADS 9
            .bytes();
    assertEquals(9, IdentifyNamespace.decode(Unpooled.wrappedBuffer(page), 0).blockSizeShift());

    page[26] = 0x01; // plain format 1
    assertEquals(12, IdentifyNamespace.decode(Unpooled.wrappedBuffer(page), 0).blockSizeShift());
  }

  @Test
  void namespaceDescriptorListKnownAnswer() {
    // ref §4.4: entries of NIDT (1), NIDL (1), 2 reserved, NIDL bytes; NGUID (02h, 16), UUID (03h,
    // 16, bytes in textual order), CSI (04h, 1); a zero entry ends the list.
    byte[] nguid = Hex.bytes("0f0e0d0c0b0a09080706050403020100");
    UUID uuid = UUID.fromString("5fc1b5a9-a564-4e68-8fe6-3c437c8d9669");
    byte[] expected =
        new Expected(4096)
            .at(0, "02 10 0000")
            .at(4, nguid)
            .at(20, "03 10 0000 5fc1b5a9a5644e688fe63c437c8d9669")
            .at(40, "04 01 0000 00")
            .bytes();
    byte[] actual = encodePage(b -> NamespaceDescriptors.encode(b, nguid, uuid, 0));
    assertBytes("NS descriptors", expected, actual);

    List<int[]> entries = parseDescriptors(actual);
    assertEquals(3, entries.size());
    assertArrayEquals(new int[] {2, 16, 4}, entries.get(0));
    assertArrayEquals(new int[] {3, 16, 24}, entries.get(1));
    assertArrayEquals(new int[] {4, 1, 44}, entries.get(2));
  }

  /**
   * Walks a descriptor list the way the Linux host does (ref §4.4): stop at NIDL 0, and the NIDL of
   * a known NIDT must be exactly its size. Returns {NIDT, NIDL, offset of the value}.
   */
  static List<int[]> parseDescriptors(byte[] page) {
    List<int[]> out = new ArrayList<>();
    int at = 0;
    while (at + 4 <= page.length) {
      int nidt = page[at] & 0xFF;
      int nidl = page[at + 1] & 0xFF;
      if (nidl == 0) {
        break;
      }
      int required =
          switch (nidt) {
            case 1 -> 8;
            case 2, 3 -> 16;
            case 4 -> 1;
            default -> nidl;
          };
      assertEquals(required, nidl, "NIDL of NIDT " + nidt);
      out.add(new int[] {nidt, nidl, at + 4});
      at += 4 + nidl;
    }
    assertFalse(out.isEmpty());
    return out;
  }
}
