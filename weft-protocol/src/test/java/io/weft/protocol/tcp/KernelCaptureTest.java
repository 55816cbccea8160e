package io.weft.protocol.tcp;

import static io.weft.protocol.testing.Hex.assertBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.protocol.fabrics.ConnectData;
import io.weft.protocol.nvme.ControllerRegisters;
import io.weft.protocol.nvme.Cqe;
import io.weft.protocol.nvme.IdentifyController;
import io.weft.protocol.nvme.IdentifyNamespace;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Sgl;
import io.weft.protocol.nvme.SmartLog;
import io.weft.protocol.nvme.Sqe;
import io.weft.protocol.nvme.Status;
import io.weft.protocol.testing.Hex;
import io.weft.protocol.testing.KernelVectors;
import io.weft.protocol.testing.KernelVectors.Captured;
import io.weft.protocol.testing.PduPipe;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real traffic: PDUs the Linux 6.1 host (nvme-tcp) and target (nvmet-tcp) exchanged, captured with
 * tshark (see the header of each file under {@code src/test/resources/vectors}). The target's
 * stream is decoded by a host-role decoder and the host's stream by a target-role decoder, with
 * digests switched on after the ICReq/ICResp as a queue handler does.
 */
class KernelCaptureTest {

  /** Files written by the host (host -> controller); the others are the target's. */
  static final List<String> HOST_STREAMS =
      List.of(
          "kernel61-digests-admin-h2c.hex",
          "kernel61-digests-io-h2c.hex",
          "kernel61-discovery-h2c.hex",
          "kernel61-nodigest-io-h2c.hex");

  static final List<String> TARGET_STREAMS =
      List.of(
          "kernel61-digests-admin-c2h.hex",
          "kernel61-digests-io-c2h.hex",
          "kernel61-discovery-c2h.hex",
          "kernel61-nodigest-io-c2h.hex");

  static Stream<String> allFiles() {
    return Stream.concat(HOST_STREAMS.stream(), TARGET_STREAMS.stream());
  }

  static boolean hostWrote(String file) {
    return file.endsWith("-h2c.hex");
  }

  static boolean withDigests(String file) {
    return file.contains("-digests-");
  }

  static PduPipe pipeFor(String file) {
    return hostWrote(file) ? PduPipe.target() : PduPipe.host();
  }

  static Stream<Arguments> filesAndFeeds() {
    return allFiles()
        .flatMap(
            f ->
                Stream.of(
                    Arguments.of(f, "whole"),
                    Arguments.of(f, "bytewise"),
                    Arguments.of(f, "random-1"),
                    Arguments.of(f, "random-2"),
                    Arguments.of(f, "random-3")));
  }

  @ParameterizedTest(name = "{0} fed {1}")
  @MethodSource("filesAndFeeds")
  void decoderFramesTheCapturedStreamExactly(String file, String feed) {
    List<Captured> pdus = KernelVectors.load(file);
    byte[] stream = KernelVectors.stream(pdus);
    PduPipe pipe = pipeFor(file);
    switch (feed) {
      case "whole" -> pipe.write(stream);
      case "bytewise" -> pipe.writeBytewise(stream);
      default -> {
        long seed = feed.hashCode() * 31L + file.hashCode();
        pipe.write(stream, randomCuts(new Random(seed), stream.length));
      }
    }
    List<PduPipe.Frame> frames = pipe.frames();
    assertEquals(pdus.size(), frames.size(), "frames");
    long end = 0;
    for (int i = 0; i < pdus.size(); i++) {
      assertBytes(file + " " + pdus.get(i), pdus.get(i).bytes(), frames.get(i).bytes());
      end += pdus.get(i).bytes().length;
      if (feed.equals("bytewise")) {
        // Emitted exactly when its last byte arrived: nothing early, nothing held back.
        assertEquals(end, frames.get(i).writtenWhenEmitted(), "emission point of " + pdus.get(i));
      }
    }
    assertEquals(stream.length, end, "every byte belongs to a frame: nothing left over");
    pipe.close();
    pipe.assertAllReleased();
  }

  static int[] randomCuts(Random r, int length) {
    List<Integer> cuts = new ArrayList<>();
    int at = 0;
    while (true) {
      at += 1 + r.nextInt(r.nextBoolean() ? 16 : 3000);
      if (at >= length) {
        break;
      }
      cuts.add(at);
    }
    return cuts.stream().mapToInt(Integer::intValue).toArray();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("allFiles")
  void everyCapturedDigestVerifies(String file) {
    Crc32cDigest crc = new Crc32cDigest();
    int headerDigests = 0;
    int dataDigests = 0;
    for (Captured p : KernelVectors.load(file)) {
      byte[] b = p.bytes();
      int flags = p.u8(1);
      int hlen = p.u8(2);
      int pdo = p.u8(3);
      boolean isIc = p.u8(0) <= 1;
      if (withDigests(file) && !isIc) {
        assertTrue((flags & Pdu.FLAG_HDGSTF) != 0, p + " lacks HDGSTF");
      } else {
        assertEquals(0, flags & (Pdu.FLAG_HDGSTF | Pdu.FLAG_DDGSTF), p + " has digest flags");
      }
      if ((flags & Pdu.FLAG_HDGSTF) != 0) {
        ByteBuf whole = Unpooled.wrappedBuffer(b);
        assertEquals(p.u32(hlen), crc.compute(whole, 0, hlen) & 0xFFFF_FFFFL, p + " HDGST");
        headerDigests++;
      }
      boolean hasData = pdo != 0;
      assertEquals(
          withDigests(file) && hasData, (flags & Pdu.FLAG_DDGSTF) != 0, p + " DDGSTF iff data");
      if ((flags & Pdu.FLAG_DDGSTF) != 0) {
        int dataLength = b.length - 4 - pdo;
        // As the data would arrive: split over two TCP segments, in a composite buffer.
        ByteBuf split = split(b, pdo + dataLength / 3);
        try {
          assertEquals(
              p.u32(b.length - 4),
              crc.compute(split, pdo, dataLength) & 0xFFFF_FFFFL,
              p + " DDGST");
        } finally {
          split.release();
        }
        dataDigests++;
      }
    }
    if (withDigests(file)) {
      assertTrue(headerDigests > 0 && dataDigests > 0, "digests checked in " + file);
    }
  }

  private static ByteBuf split(byte[] b, int at) {
    CompositeByteBuf c = Unpooled.compositeBuffer();
    ByteBuf tail = Unpooled.directBuffer(b.length - at);
    tail.writeBytes(b, at, b.length - at);
    c.addComponent(true, Unpooled.wrappedBuffer(b, 0, at));
    c.addComponent(true, tail);
    return c;
  }

  @Test
  void icReqAndIcRespMatchWhatWeftEncodes() {
    Captured icReq = KernelVectors.load("kernel61-digests-admin-h2c.hex").get(0);
    Captured icResp = KernelVectors.load("kernel61-digests-admin-c2h.hex").get(0);
    Captured icReqPlain = KernelVectors.load("kernel61-nodigest-io-h2c.hex").get(0);
    Captured icRespPlain = KernelVectors.load("kernel61-nodigest-io-c2h.hex").get(0);

    assertEquals(
        new IcReq(0, 0, true, true, 0), IcReq.decode(Unpooled.wrappedBuffer(icReq.bytes()), 0));
    assertEquals(
        new IcReq(0, 0, false, false, 0),
        IcReq.decode(Unpooled.wrappedBuffer(icReqPlain.bytes()), 0));
    assertEquals(
        new IcResp(0, 0, true, true, 0x400000),
        IcResp.decode(Unpooled.wrappedBuffer(icResp.bytes()), 0));
    assertEquals(
        new IcResp(0, 0, false, false, 0x400000),
        IcResp.decode(Unpooled.wrappedBuffer(icRespPlain.bytes()), 0));

    assertBytes("ICReq -g -G", icReq.bytes(), encode(new IcReq(0, 0, true, true, 0)::encode));
    assertBytes("ICReq", icReqPlain.bytes(), encode(new IcReq(0, 0, false, false, 0)::encode));
    assertBytes(
        "ICResp -g -G", icResp.bytes(), encode(new IcResp(0, 0, true, true, 0x400000)::encode));
    assertBytes(
        "ICResp", icRespPlain.bytes(), encode(new IcResp(0, 0, false, false, 0x400000)::encode));
  }

  private static byte[] encode(java.util.function.Consumer<ByteBuf> encoder) {
    ByteBuf b = Unpooled.buffer();
    encoder.accept(b);
    return Hex.readable(b);
  }

  @Test
  void adminConnectCapsule() {
    Captured p =
        KernelVectors.find(KernelVectors.load("kernel61-digests-admin-h2c.hex"), "Connect");
    ByteBuf b = Unpooled.wrappedBuffer(p.bytes());
    // CH: CapsuleCmd, HDGSTF|DDGSTF, HLEN 72, PDO 72 + 4 (header digest), PLEN 72+4+1024+4.
    assertEquals(PduType.CAPSULE_CMD.code, Pdu.type(b, 0));
    assertEquals(0x03, Pdu.flags(b, 0));
    assertEquals(72, Pdu.hlen(b, 0));
    assertEquals(76, Pdu.pdo(b, 0));
    assertEquals(1104, Pdu.plen(b, 0));
    int sqe = Pdu.CAPSULE_SQE;
    assertEquals(Opcodes.FABRICS, Sqe.opcode(b, sqe));
    assertEquals(Sqe.FLAGS_PSDT_SGL, Sqe.flags(b, sqe), "the host sets PSDT on Fabrics too");
    assertEquals(0, Sqe.cid(b, sqe));
    assertEquals(Opcodes.FCTYPE_CONNECT, Sqe.fctype(b, sqe));
    assertEquals(Sgl.DATA_BLOCK_OFFSET, Sgl.identifier(b, sqe));
    assertEquals(0, Sgl.address(b, sqe));
    assertEquals(ConnectData.SIZE, Sgl.length(b, sqe));
    assertEquals(0, Sqe.cdw(b, sqe, 10), "RECFMT 0, QID 0");
    assertEquals(31, Sqe.cdw(b, sqe, 11) & 0xFFFF, "admin SQSIZE");
    assertEquals(5000, Sqe.cdw(b, sqe, 12), "KATO ms");
    ConnectData data = ConnectData.decode(b, 76);
    assertEquals(ConnectData.CNTLID_DYNAMIC, data.cntlid());
    assertEquals("nqn.2014-08.org.example:linux-peer-target", data.subsystemNqn());
    assertTrue(data.hostNqn().startsWith("nqn.2014-08.org.nvmexpress:uuid:"), data.hostNqn());
    assertEquals(UUID.fromString("c077abc5-1969-42e8-941f-8e2ac87ef2ae"), data.hostId());

    Captured resp =
        KernelVectors.find(
            KernelVectors.load("kernel61-digests-admin-c2h.hex"), "for Connect qid=0");
    ByteBuf r = Unpooled.wrappedBuffer(resp.bytes());
    assertEquals(28, Pdu.plen(r, 0));
    assertEquals(0, Pdu.pdo(r, 0));
    int cqe = Pdu.CAPSULE_CQE;
    assertEquals(1, Cqe.result(r, cqe) & 0xFFFF, "CNTLID");
    assertEquals(0, Cqe.cid(r, cqe));
    assertEquals(0, Cqe.sqid(r, cqe));
    assertEquals(1, Cqe.sqhd(r, cqe));
    assertTrue(Status.isSuccess(Cqe.status(r, cqe)));
  }

  @Test
  void ioQueueConnectCapsule() {
    Captured p = KernelVectors.find(KernelVectors.load("kernel61-nodigest-io-h2c.hex"), "Connect");
    ByteBuf b = Unpooled.wrappedBuffer(p.bytes());
    assertEquals(0, Pdu.flags(b, 0));
    assertEquals(72, Pdu.pdo(b, 0));
    assertEquals(72 + 1024, Pdu.plen(b, 0));
    assertEquals(1 << 16, Sqe.cdw(b, 8, 10), "QID 1");
    assertEquals(0, Sqe.cdw(b, 8, 12), "KATO is 0 on I/O queues");
    assertEquals(1, ConnectData.decode(b, 72).cntlid());
  }

  @Test
  void propertyGetCap() {
    List<Captured> h2c = KernelVectors.load("kernel61-digests-admin-h2c.hex");
    List<Captured> c2h = KernelVectors.load("kernel61-digests-admin-c2h.hex");
    Captured get = KernelVectors.find(h2c, "Property Get CAP");
    ByteBuf b = Unpooled.wrappedBuffer(get.bytes());
    assertEquals(0x01, Pdu.flags(b, 0), "HDGSTF only: no data, no DDGSTF");
    assertEquals(0, Pdu.pdo(b, 0));
    assertEquals(76, Pdu.plen(b, 0));
    assertEquals(Opcodes.FCTYPE_PROPERTY_GET, Sqe.fctype(b, 8));
    assertEquals(1, Sqe.cdw(b, 8, 10) & 1, "ATTRIB: 8-byte property");
    assertEquals(ControllerRegisters.CAP, Sqe.cdw(b, 8, 11));
    assertEquals(Sgl.TRANSPORT_DATA_BLOCK, Sgl.identifier(b, 8));
    assertEquals(0, Sgl.length(b, 8));

    Captured resp = KernelVectors.find(c2h, "for Property Get CAP");
    long cap = Cqe.result(Unpooled.wrappedBuffer(resp.bytes()), 8);
    assertEquals(1023, ControllerRegisters.capMqes(cap));
    assertEquals(15, ControllerRegisters.capTimeout(cap));
    assertEquals(1L, (cap >>> 37) & 1, "CSS NVM");
    assertEquals(1L, (cap >>> 43) & 1, "CSS I/O command sets (ref §3.2)");
    assertEquals(0L, (cap >>> 48) & 0xF, "MPSMIN");
    Captured vs = KernelVectors.find(c2h, "for Property Get VS");
    assertEquals(
        ControllerRegisters.VERSION_1_3, Cqe.result(Unpooled.wrappedBuffer(vs.bytes()), 8));
  }

  @Test
  void identifyControllerCapsuleAndItsC2hData() {
    List<Captured> h2c = KernelVectors.load("kernel61-digests-admin-h2c.hex");
    List<Captured> c2h = KernelVectors.load("kernel61-digests-admin-c2h.hex");
    Captured cmd = KernelVectors.find(h2c, "Identify CNS 0x01");
    ByteBuf b = Unpooled.wrappedBuffer(cmd.bytes());
    int cid = Sqe.cid(b, 8);
    assertEquals(Opcodes.ADMIN_IDENTIFY, Sqe.opcode(b, 8));
    assertEquals(Opcodes.CNS_CONTROLLER, Sqe.cdw(b, 8, 10) & 0xFF);
    assertEquals(Sgl.TRANSPORT_DATA_BLOCK, Sgl.identifier(b, 8));
    assertEquals(IdentifyController.SIZE, Sgl.length(b, 8));

    Captured data = KernelVectors.find(c2h, "C2HData cccid=0x" + String.format("%04x", cid));
    ByteBuf d = Unpooled.wrappedBuffer(data.bytes());
    // HDGSTF|DDGSTF|LAST_PDU, no SUCCESS (nvmet uses it only with SQ flow control disabled).
    assertEquals(0x07, Pdu.flags(d, 0));
    assertEquals(24, Pdu.hlen(d, 0));
    assertEquals(28, Pdu.pdo(d, 0));
    assertEquals(24 + 4 + 4096 + 4, Pdu.plen(d, 0));
    assertEquals(cid, d.getUnsignedShortLE(Pdu.DATA_CCCID));
    assertEquals(0, d.getIntLE(Pdu.DATA_OFFSET));
    assertEquals(4096, d.getIntLE(Pdu.DATA_LENGTH));
    Crc32cDigest crc = new Crc32cDigest();
    assertEquals(d.getIntLE(24), crc.compute(d, 0, 24), "header digest");
    assertEquals(d.getIntLE(28 + 4096), crc.compute(d, 28, 4096), "data digest");

    // What nvmet 6.1 reports (compare ref §4.2, last column).
    IdentifyController id = IdentifyController.decode(d, 28);
    assertEquals("Linux", id.model());
    assertEquals("6.1.0-56", id.firmware());
    assertEquals(20, id.serial().length());
    assertEquals(0x0B, id.cmic());
    assertEquals(0, id.mdts());
    assertEquals(1, id.cntlid(), "equals the CNTLID of the Connect response");
    assertEquals(0x00010300, id.version());
    assertEquals(0x900, id.oaes());
    assertEquals(0x41, id.ctratt());
    assertEquals(IdentifyController.CONTROLLER_TYPE_IO, id.controllerType());
    assertEquals(3, id.aerl());
    assertEquals(0x07, id.lpa());
    assertEquals(127, id.elpe());
    assertEquals(10, id.keepAliveSupport());
    assertEquals(1024, id.maxcmd());
    assertEquals(1024, id.numberOfNamespaces());
    assertEquals(0x0C, id.oncs());
    assertEquals(1, id.vwc());
    assertEquals(IdentifyController.SGLS_SUPPORTED, id.sgls());
    assertEquals("nqn.2014-08.org.example:linux-peer-target", id.subsystemNqn());
    assertEquals(1028, id.ioccsz());
    assertEquals(1, id.iorcsz());
    assertEquals(0, d.getUnsignedShortLE(28 + IdentifyController.ICDOFF));
    assertEquals(0x66, d.getUnsignedByte(28 + IdentifyController.SQES));
    assertEquals(0x44, d.getUnsignedByte(28 + IdentifyController.CQES));
    assertEquals(1, d.getUnsignedByte(28 + IdentifyController.MSDBD));

    Captured resp = KernelVectors.find(c2h, "CapsuleResp cid=0x" + String.format("%04x", cid));
    assertTrue(resp.index() > data.index(), "nvmet sends a CapsuleResp after the C2HData");
  }

  @Test
  void nvmetDiscoveryControllerIdentify() {
    List<Captured> c2h = KernelVectors.load("kernel61-discovery-c2h.hex");
    Captured data = KernelVectors.find(c2h, "C2HData cccid=0x000e");
    IdentifyController id = IdentifyController.decode(Unpooled.wrappedBuffer(data.bytes()), 24);
    assertEquals(IdentifyController.CONTROLLER_TYPE_DISCOVERY, id.controllerType());
    assertEquals("nqn.2014-08.org.nvmexpress.discovery", id.subsystemNqn());
    assertEquals(0, id.keepAliveSupport());
    assertEquals(IdentifyController.OAES_DISCOVERY_CHANGE, id.oaes());
  }

  @Test
  void nvmetIdentifyNamespaceAndDescriptors() {
    List<Captured> c2h = KernelVectors.load("kernel61-digests-admin-c2h.hex");
    Captured ns = KernelVectors.find(c2h, "C2HData cccid=0x2017 datal=4096 for Identify CNS 0x00");
    IdentifyNamespace id = IdentifyNamespace.decode(Unpooled.wrappedBuffer(ns.bytes()), 28);
    assertEquals(16384, id.sizeBlocks(), "64 MiB of 4 KiB blocks");
    assertEquals(16384, id.usedBlocks());
    assertEquals(12, id.blockSizeShift(), "nvmet's file backend reported 4096-byte LBAs");
    assertEquals(1, id.nmic());
    assertFalse(id.readOnly());
    assertEquals(1, ns.u32(28 + 92), "ANAGRPID");

    Captured list = KernelVectors.find(c2h, "for Identify CNS 0x03");
    byte[] page = Arrays.copyOfRange(list.bytes(), 28, 28 + 4096);
    // nvmet: UUID (03h) then CSI (04h) = NVM; no NGUID (all zero) and never EUI64 (ref §4.4).
    assertEquals(0x03, page[0]);
    assertEquals(16, page[1]);
    assertEquals(0x04, page[20]);
    assertEquals(1, page[21]);
    assertEquals(0, page[24], "CSI 0: NVM command set");
    assertEquals(0, page[25 + 1], "the next descriptor has NIDL 0: end of list");
  }

  @Test
  void nvmetSmartLogIsAllZeroForAFileBackedNamespace() {
    Captured p =
        KernelVectors.find(
            KernelVectors.load("kernel61-digests-admin-c2h.hex"), "for Get Log Page LID 0x02");
    byte[] page = Arrays.copyOfRange(p.bytes(), 28, 28 + 512);
    assertEquals(512 + 32, p.bytes().length);
    SmartLog log = SmartLog.decode(Unpooled.wrappedBuffer(page), 0);
    assertEquals(new SmartLog(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), log);
    ByteBuf again = Unpooled.buffer(512);
    log.encode(again);
    assertBytes("SMART", page, Hex.readable(again));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"kernel61-digests-io", "kernel61-nodigest-io"})
  void writeLargerThanInCapsuleGoesThroughR2tAndH2cData(String prefix) {
    boolean dg = prefix.contains("digests");
    int hd = dg ? 4 : 0;
    List<Captured> h2c = KernelVectors.load(prefix + "-h2c.hex");
    List<Captured> c2h = KernelVectors.load(prefix + "-c2h.hex");
    Captured cmd = KernelVectors.find(h2c, "Write nsid=1 slba=500");
    ByteBuf c = Unpooled.wrappedBuffer(cmd.bytes());
    int cid = Sqe.cid(c, 8);
    assertEquals(72 + hd, cmd.bytes().length, "no in-capsule data");
    assertEquals(0, Pdu.pdo(c, 0));
    assertEquals(Sgl.TRANSPORT_DATA_BLOCK, Sgl.identifier(c, 8));
    assertEquals(20480, Sgl.length(c, 8));
    assertEquals(4, Sqe.cdw(c, 8, 12) & 0xFFFF, "NLB 5 blocks, 0's based");

    Captured r2t = KernelVectors.find(c2h, "R2T");
    ByteBuf r = Unpooled.wrappedBuffer(r2t.bytes());
    assertEquals(dg ? 0x01 : 0x00, Pdu.flags(r, 0));
    assertEquals(24, Pdu.hlen(r, 0));
    assertEquals(0, Pdu.pdo(r, 0));
    assertEquals(24 + hd, Pdu.plen(r, 0));
    assertEquals(cid, r.getUnsignedShortLE(Pdu.DATA_CCCID));
    int ttag = r.getUnsignedShortLE(Pdu.DATA_TTAG);
    assertEquals(0, r.getIntLE(Pdu.DATA_OFFSET), "R2TO");
    assertEquals(20480, r.getIntLE(Pdu.DATA_LENGTH), "R2TL: all of it");

    Captured data = KernelVectors.find(h2c, "H2CData");
    ByteBuf d = Unpooled.wrappedBuffer(data.bytes());
    int last = Pdu.FLAG_LAST_PDU;
    assertEquals(dg ? 0x03 | last : last, Pdu.flags(d, 0));
    assertEquals(24 + hd, Pdu.pdo(d, 0));
    assertEquals(24 + hd + 20480 + hd, Pdu.plen(d, 0));
    assertEquals(cid, d.getUnsignedShortLE(Pdu.DATA_CCCID));
    assertEquals(ttag, d.getUnsignedShortLE(Pdu.DATA_TTAG), "TTAG echoed");
    assertEquals(0, d.getIntLE(Pdu.DATA_OFFSET));
    assertEquals(20480, d.getIntLE(Pdu.DATA_LENGTH));
    for (int i = 0; i < 20480; i++) {
      assertEquals(0x5A, d.getUnsignedByte(24 + hd + i), "data byte " + i);
    }
    if (dg) {
      Crc32cDigest crc = new Crc32cDigest();
      assertEquals(d.getIntLE(24), crc.compute(d, 0, 24));
      assertEquals(d.getIntLE(28 + 20480), crc.compute(d, 28, 20480));
    }
    Captured resp = KernelVectors.find(c2h, "CapsuleResp cid=0x" + String.format("%04x", cid));
    assertTrue(resp.index() > r2t.index());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"kernel61-digests-io", "kernel61-nodigest-io"})
  void smallWriteCarriesItsDataInCapsule(String prefix) {
    boolean dg = prefix.contains("digests");
    int hd = dg ? 4 : 0;
    List<Captured> h2c = KernelVectors.load(prefix + "-h2c.hex");
    Captured cmd = KernelVectors.find(h2c, "Write nsid=1 slba=256");
    ByteBuf c = Unpooled.wrappedBuffer(cmd.bytes());
    assertEquals(dg ? 0x03 : 0x00, Pdu.flags(c, 0));
    assertEquals(72 + hd, Pdu.pdo(c, 0));
    assertEquals(72 + hd + 4096 + hd, Pdu.plen(c, 0));
    assertEquals(Opcodes.NVM_WRITE, Sqe.opcode(c, 8));
    assertEquals(1, Sqe.nsid(c, 8));
    assertEquals(Sgl.DATA_BLOCK_OFFSET, Sgl.identifier(c, 8));
    assertEquals(0, Sgl.address(c, 8));
    assertEquals(4096, Sgl.length(c, 8));
    assertEquals(256, Sqe.cdw(c, 8, 10), "SLBA");
    for (int i = 0; i < 4096; i++) {
      assertEquals(0xA5, c.getUnsignedByte(72 + hd + i));
    }
    if (dg) {
      assertEquals(c.getIntLE(72 + 4 + 4096), new Crc32cDigest().compute(c, 76, 4096));
    }

    // Reading the block back: one C2HData with the same bytes.
    List<Captured> c2h = KernelVectors.load(prefix + "-c2h.hex");
    Captured read =
        KernelVectors.find(c2h, "C2HData " + "cccid=0x" + cidOf(h2c, "Read nsid=1 slba=256"));
    for (int i = 0; i < 4096; i++) {
      assertEquals((byte) 0xA5, read.bytes()[24 + hd + i]);
    }
  }

  private static String cidOf(List<Captured> h2c, String text) {
    return String.format("%04x", KernelVectors.find(h2c, text).u16(10));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostStreams")
  void sglIdentifierTellsWhetherDataIsInCapsule(String file) {
    for (Captured p : KernelVectors.load(file)) {
      if (p.u8(0) != PduType.CAPSULE_CMD.code) {
        continue;
      }
      ByteBuf b = Unpooled.wrappedBuffer(p.bytes());
      int headerEnd = 72 + ((p.u8(1) & Pdu.FLAG_HDGSTF) != 0 ? 4 : 0);
      boolean inCapsule = p.bytes().length > headerEnd;
      assertEquals(0x40, Sqe.flags(b, 8), p + " FLAGS (PSDT = SGL)");
      assertEquals(0, Sgl.address(b, 8), p + " SGL address");
      if (inCapsule) {
        assertEquals(Sgl.DATA_BLOCK_OFFSET, Sgl.identifier(b, 8), p.toString());
        assertEquals(headerEnd, p.u8(3), p + " PDO");
        int ddgst = (p.u8(1) & Pdu.FLAG_DDGSTF) != 0 ? 4 : 0;
        assertEquals(p.bytes().length - headerEnd - ddgst, Sgl.length(b, 8), p + " SGL length");
      } else {
        assertEquals(Sgl.TRANSPORT_DATA_BLOCK, Sgl.identifier(b, 8), p.toString());
        assertEquals(0, p.u8(3), p + " PDO");
      }
    }
  }

  static Stream<String> hostStreams() {
    return HOST_STREAMS.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("targetStreams")
  void nvmetAnswersEveryReadWithC2hDataThenCapsuleResp(String file) {
    List<Captured> pdus = KernelVectors.load(file);
    Map<Integer, Integer> dataAt = new HashMap<>();
    for (Captured p : pdus) {
      if (p.u8(0) == PduType.C2H_DATA.code) {
        int flags = p.u8(1);
        assertEquals(
            Pdu.FLAG_LAST_PDU,
            flags & (Pdu.FLAG_LAST_PDU | Pdu.FLAG_SUCCESS),
            p + ": one C2HData per read, LAST without SUCCESS");
        assertEquals(0, p.u32(12), p + " DATAO");
        dataAt.put(p.u16(8), p.index());
      } else if (p.u8(0) == PduType.CAPSULE_RESP.code && dataAt.containsKey(p.u16(8 + 12))) {
        assertTrue(p.index() > dataAt.remove(p.u16(8 + 12)));
      }
    }
    assertTrue(dataAt.isEmpty(), "a CapsuleResp followed every C2HData: " + dataAt);
  }

  static Stream<String> targetStreams() {
    return TARGET_STREAMS.stream();
  }

  @Test
  void withoutDigestNegotiationTheDigestStreamIsRefused() {
    // A decoder nobody told about the negotiated digests sees HDGSTF it did not expect on the
    // first PDU after the ICReq (the Connect capsule): invalid header field FLAGS.
    List<Captured> pdus = KernelVectors.load("kernel61-digests-admin-h2c.hex");
    PduPipe pipe = new PduPipe(false, PduPipe.KERNEL_LIKE_LIMITS, PduPipe.TARGET_RECEIVES);
    TransportException e =
        assertThrows(TransportException.class, () -> pipe.write(KernelVectors.stream(pdus)));
    assertEquals(FatalErrorStatus.INVALID_HEADER_FIELD, e.fes());
    assertEquals(Pdu.FLAGS, e.fei());
    assertEquals(1, pipe.frames().size(), "only the ICReq");
    assertBytes("offending header", Arrays.copyOf(pdus.get(1).bytes(), 72), e.offendingHeader());
    pipe.close();
    pipe.assertAllReleased();
  }

  @Test
  void aCorruptedCapturedHeaderDigestIsRefusedBeforeTheData() {
    List<Captured> pdus = KernelVectors.load("kernel61-digests-admin-h2c.hex");
    byte[] icReq = pdus.get(0).bytes();
    byte[] connect = pdus.get(1).bytes().clone();
    connect[73] ^= 0x10; // inside HDGST (bytes 72..75)
    PduPipe pipe = PduPipe.target();
    pipe.write(icReq);
    pipe.write(connect, 0, 75);
    TransportException e = assertThrows(TransportException.class, () -> pipe.write(connect, 75, 1));
    assertEquals(FatalErrorStatus.HEADER_DIGEST_ERROR, e.fes());
    assertEquals(72, e.fei(), "FEI: offset of the header digest");
    assertEquals(1, pipe.frames().size());
    pipe.close();
    pipe.assertAllReleased();
  }

  @Test
  void aCorruptedCapturedDataDigestIsNotAFramingError() {
    // Data digest errors are command errors, not transport errors (ref §1.5): the frame is passed
    // on and the queue handler finds the mismatch with Crc32cDigest.
    List<Captured> pdus = KernelVectors.load("kernel61-digests-io-h2c.hex");
    Captured write = KernelVectors.find(pdus, "H2CData");
    byte[] stream = KernelVectors.stream(pdus);
    int at = 0;
    for (Captured p : pdus) {
      if (p == write) {
        break;
      }
      at += p.bytes().length;
    }
    stream[at + write.bytes().length - 1] ^= 0x01;
    PduPipe pipe = PduPipe.target();
    pipe.write(stream);
    assertEquals(pdus.size(), pipe.frames().size());
    ByteBuf frame = Unpooled.wrappedBuffer(pipe.frames().get(write.index()).bytes());
    int datal = frame.getIntLE(16);
    assertNotEquals(frame.getIntLE(28 + datal), new Crc32cDigest().compute(frame, 28, datal));
    pipe.close();
    pipe.assertAllReleased();
  }

  @Test
  void capturedStreamsAreWhatTheFilesSay() {
    // Guards the resources themselves: each file holds one whole stream, in order.
    for (String f : allFiles().toList()) {
      List<Captured> pdus = KernelVectors.load(f);
      assertEquals(hostWrote(f) ? "ICReq" : "ICResp", pdus.get(0).type(), f);
      for (int i = 0; i < pdus.size(); i++) {
        assertEquals(i, pdus.get(i).index(), f);
        assertEquals(pdus.get(i).bytes().length, pdus.get(i).u32(4), f + " " + pdus.get(i));
      }
    }
  }
}
