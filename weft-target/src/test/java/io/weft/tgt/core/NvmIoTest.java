package io.weft.tgt.core;

import static io.weft.tgt.core.Harness.MIB;
import static io.weft.tgt.core.Harness.NQN;
import static io.weft.tgt.core.Harness.adminQueue;
import static io.weft.tgt.core.Harness.allZero;
import static io.weft.tgt.core.Harness.assertStatus;
import static io.weft.tgt.core.Harness.assertSuccess;
import static io.weft.tgt.core.Harness.grantQueues;
import static io.weft.tgt.core.Harness.ioQueue;
import static io.weft.tgt.core.Harness.memory;
import static io.weft.tgt.core.Harness.pattern;
import static io.weft.tgt.core.Harness.sqe;
import static io.weft.tgt.core.Harness.subsystem;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Sgl;
import io.weft.protocol.nvme.Status;
import io.weft.tgt.Target;
import io.weft.tgt.testing.RawHost;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** NVM command set I/O on an I/O queue: Read, Write, Flush, Write Zeroes, Dataset Management. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NvmIoTest {
  /** NSID 1: 512-byte blocks; NSID 2: 4096-byte blocks; both 16 MiB. */
  private static final long SIZE = 16L * MIB;

  private static final int FUA = 1 << 30;
  private static final int DSM_DEALLOCATE = 1 << 2;

  private Target target;
  private RawHost admin;
  private RawHost io;

  @BeforeAll
  void start() throws IOException {
    target =
        Harness.start(null, subsystem(NQN, List.of(), memory(1, SIZE, 512), memory(2, SIZE, 4096)));
  }

  @AfterAll
  void stop() {
    target.close();
  }

  @BeforeEach
  void connect() throws IOException {
    admin = adminQueue(target, NQN);
    grantQueues(admin, 1);
    io = ioQueue(target, admin, 1, 127);
  }

  @AfterEach
  void disconnect() throws IOException {
    io.close();
    admin.close();
  }

  private static int nsid(int blockSize) {
    return blockSize == 512 ? 1 : 2;
  }

  private static long blocks(int blockSize) {
    return SIZE / blockSize;
  }

  private byte[] read(int blockSize, long slba, int count) throws IOException {
    return assertSuccess(io.read(nsid(blockSize), slba, count, blockSize)).data();
  }

  private void write(int blockSize, long slba, byte[] data, boolean inCapsule) throws IOException {
    assertSuccess(io.write(nsid(blockSize), slba, data, blockSize, inCapsule));
  }

  @ParameterizedTest
  @ValueSource(ints = {512, 4096})
  void writesReadBackInCapsuleAndThroughR2t(int blockSize) throws IOException {
    // 8 KiB fits the in-capsule limit; 256 KiB goes through R2T and several H2CData PDUs.
    byte[] small = pattern(8192, blockSize);
    byte[] big = pattern(256 * 1024, blockSize + 1);
    write(blockSize, 3, small, true);
    write(blockSize, 100, big, false);
    assertArrayEquals(small, read(blockSize, 3, small.length / blockSize));
    assertArrayEquals(big, read(blockSize, 100, big.length / blockSize));
    // Blocks are addressed in units of the namespace's block size.
    byte[] one = read(blockSize, 4, 1);
    assertArrayEquals(Arrays.copyOfRange(small, blockSize, 2 * blockSize), one);
  }

  @ParameterizedTest
  @ValueSource(ints = {512, 4096})
  void rangesBeyondTheNamespaceAreLbaOutOfRangeAndChangeNothing(int blockSize) throws IOException {
    int ns = nsid(blockSize);
    long last = blocks(blockSize) - 1;
    int oor = Status.LBA_OUT_OF_RANGE | Status.DNR;
    byte[] tail = pattern(8 * blockSize, 11);
    write(blockSize, last - 7, tail, false);

    // In-capsule (at most 8 KiB) and through R2T.
    assertStatus(oor, io.write(ns, last, pattern(2 * blockSize, 12), blockSize, true));
    assertStatus(oor, io.write(ns, last - 7, pattern(16 * blockSize, 13), blockSize, false));
    assertStatus(oor, io.write(ns, last + 1, pattern(blockSize, 14), blockSize, true));
    assertStatus(oor, io.command(RawHost.rw(Opcodes.NVM_WRITE_ZEROES, ns, last, 2, 0), null, 0));
    assertArrayEquals(tail, read(blockSize, last - 7, 8), "nothing was written");

    assertStatus(oor, io.read(ns, last + 1, 1, blockSize));
    assertStatus(oor, io.read(ns, last, 2, blockSize));
    // SLBA + NLB wraps around 2^64.
    assertStatus(oor, io.read(ns, -1L, 2, blockSize));
    assertStatus(oor, io.read(ns, Long.MAX_VALUE, 1, blockSize));
  }

  @Test
  void transfersLargerThanMdtsAreInvalidField() throws IOException {
    int maxBytes = 4096 << Harness.tuning().mdts();
    assertSuccess(io.read(1, 0, maxBytes / 512, 512));
    assertStatus(Status.INVALID_FIELD | Status.DNR, io.read(1, 0, maxBytes / 512 + 1, 512));
    assertSuccess(io.read(2, 0, maxBytes / 4096, 4096));
    assertStatus(Status.INVALID_FIELD | Status.DNR, io.read(2, 0, maxBytes / 4096 + 1, 4096));
    byte[] before = read(512, 0, 8);
    assertStatus(
        Status.INVALID_FIELD | Status.DNR, io.write(1, 0, pattern(maxBytes + 512, 5), 512, false));
    assertArrayEquals(before, read(512, 0, 8));
  }

  @Test
  void unknownNamespaceIsInvalidNamespace() throws IOException {
    int invalid = Status.INVALID_NAMESPACE | Status.DNR;
    for (int ns : new int[] {0, 3, 9, 0xFFFFFFFE}) {
      assertStatus(invalid, io.read(ns, 0, 1, 512));
      assertStatus(invalid, io.write(ns, 0, pattern(512, 1), 512, true));
      assertStatus(invalid, io.write(ns, 0, pattern(16 * 1024, 1), 512, false));
      assertStatus(invalid, io.command(RawHost.rw(Opcodes.NVM_FLUSH, ns, 0, 1, 0), null, 0));
      assertStatus(invalid, io.command(RawHost.rw(Opcodes.NVM_WRITE_ZEROES, ns, 0, 1, 0), null, 0));
    }
  }

  @Test
  void unknownIoOpcodeIsInvalidOpcode() throws IOException {
    // Write Uncorrectable, Compare, Identify (admin only), Verify, Reservation Register, vendor.
    for (int opcode : new int[] {0x04, 0x05, 0x06, 0x0C, 0x0D, 0x81}) {
      assertStatus(
          Status.INVALID_OPCODE | Status.DNR, io.command(sqe(opcode, 1, 0, 0, 0), null, 0));
    }
  }

  @Test
  void flushSucceedsForOneNamespaceAndForAll() throws IOException {
    for (int ns : new int[] {1, 2, 0xFFFFFFFF}) {
      assertSuccess(io.command(sqe(Opcodes.NVM_FLUSH, ns, 0, 0, 0), null, 0));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {512, 4096})
  void writeZeroesClearsExactlyTheRange(int blockSize) throws IOException {
    byte[] data = pattern(16 * blockSize, 21);
    write(blockSize, 0, data, false);
    assertSuccess(
        io.command(RawHost.rw(Opcodes.NVM_WRITE_ZEROES, nsid(blockSize), 4, 3, 0), null, 0));
    byte[] after = read(blockSize, 0, 16);
    assertArrayEquals(Arrays.copyOf(data, 4 * blockSize), Arrays.copyOf(after, 4 * blockSize));
    assertTrue(allZero(after, 4 * blockSize, 7 * blockSize), "blocks 4-6 are zero");
    assertArrayEquals(
        Arrays.copyOfRange(data, 7 * blockSize, data.length),
        Arrays.copyOfRange(after, 7 * blockSize, data.length));
  }

  /** A DSM payload as the Linux host sends it: always 4096 bytes, unused ranges zero. */
  private static byte[] dsmRanges(long[][] ranges) {
    ByteBuf b = Unpooled.buffer(4096).writeZero(4096);
    for (int i = 0; i < ranges.length; i++) {
      b.setIntLE(i * 16 + 4, (int) ranges[i][1]);
      b.setLongLE(i * 16 + 8, ranges[i][0]);
    }
    return b.array();
  }

  private RawHost.Completion deallocate(int ns, long[][] ranges) throws IOException {
    return io.command(
        sqe(Opcodes.NVM_DATASET_MANAGEMENT, ns, ranges.length - 1, DSM_DEALLOCATE, 0),
        dsmRanges(ranges),
        0);
  }

  @ParameterizedTest
  @ValueSource(ints = {512, 4096})
  void deallocateZeroesTheRangesAndABadRangeChangesNothing(int blockSize) throws IOException {
    int ns = nsid(blockSize);
    byte[] data = pattern(64 * blockSize, 31);
    write(blockSize, 0, data, false);
    assertSuccess(deallocate(ns, new long[][] {{8, 4}, {40, 8}}));
    byte[] after = read(blockSize, 0, 64);
    for (int block = 0; block < 64; block++) {
      boolean gone = block >= 8 && block < 12 || block >= 40 && block < 48;
      byte[] expected =
          gone
              ? new byte[blockSize]
              : Arrays.copyOfRange(data, block * blockSize, (block + 1) * blockSize);
      assertArrayEquals(
          expected,
          Arrays.copyOfRange(after, block * blockSize, (block + 1) * blockSize),
          "block " + block);
    }

    // The second range runs past the end: nothing is deallocated, not even the first range.
    assertStatus(
        Status.LBA_OUT_OF_RANGE | Status.DNR,
        deallocate(ns, new long[][] {{0, 4}, {blocks(blockSize) - 2, 4}}));
    assertArrayEquals(after, read(blockSize, 0, 64));
  }

  @Test
  void dsmPayloadShorterThanItsRangesIsDataSglLengthInvalid() throws IOException {
    byte[] twoRanges = Arrays.copyOf(dsmRanges(new long[][] {{0, 1}, {2, 1}}), 16);
    assertStatus(
        Status.SGL_DATA_LENGTH_INVALID | Status.DNR,
        io.command(sqe(Opcodes.NVM_DATASET_MANAGEMENT, 1, 1, DSM_DEALLOCATE, 0), twoRanges, 0));
  }

  @ParameterizedTest
  @ValueSource(ints = {512, 4096})
  void fuaWriteReadsBack(int blockSize) throws IOException {
    byte[] data = pattern(2 * blockSize, 41);
    assertSuccess(io.command(RawHost.rw(Opcodes.NVM_WRITE, nsid(blockSize), 50, 2, FUA), data, 0));
    assertArrayEquals(data, read(blockSize, 50, 2));
  }

  @Test
  void sglLengthOtherThanTheTransferIsDataSglLengthInvalid() throws IOException {
    int invalid = Status.SGL_DATA_LENGTH_INVALID | Status.DNR;
    byte[] before = read(512, 200, 16);
    // Read of 8 blocks (4096 bytes) with a shorter and a longer transport descriptor.
    for (int length : new int[] {4096 - 512, 4096 + 512}) {
      assertStatus(
          invalid,
          io.commandWithSgl(
              RawHost.rw(Opcodes.NVM_READ, 1, 200, 8, 0), Sgl.TRANSPORT_DATA_BLOCK, length, null));
    }
    // In-capsule write of 4096 bytes for a 16-block (8192-byte) write.
    byte[] half = pattern(4096, 51);
    assertStatus(
        invalid,
        io.commandWithSgl(
            RawHost.rw(Opcodes.NVM_WRITE, 1, 200, 16, 0), Sgl.DATA_BLOCK_OFFSET, 4096, half));
    // A command without data must not describe any.
    assertStatus(
        invalid,
        io.commandWithSgl(sqe(Opcodes.NVM_FLUSH, 1, 0, 0, 0), Sgl.TRANSPORT_DATA_BLOCK, 512, null));
    assertArrayEquals(before, read(512, 200, 16));
  }

  @Test
  void readWithAnInCapsuleDescriptorIsSglDescriptorTypeInvalid() throws IOException {
    int invalid = Status.SGL_DESCRIPTOR_TYPE_INVALID | Status.DNR;
    assertStatus(
        invalid,
        io.commandWithSgl(
            RawHost.rw(Opcodes.NVM_READ, 1, 0, 1, 0), Sgl.DATA_BLOCK_OFFSET, 512, null));
    // A plain Data Block descriptor (memory address): there is no host memory to address.
    assertStatus(
        invalid, io.commandWithSgl(RawHost.rw(Opcodes.NVM_READ, 1, 0, 1, 0), 0x00, 512, null));
    byte[] before = read(512, 300, 1);
    assertStatus(
        invalid, io.commandWithSgl(RawHost.rw(Opcodes.NVM_WRITE, 1, 300, 1, 0), 0x00, 512, null));
    assertArrayEquals(before, read(512, 300, 1));
  }
}
