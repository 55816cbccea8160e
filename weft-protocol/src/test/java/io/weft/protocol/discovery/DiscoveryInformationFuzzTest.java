package io.weft.protocol.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.protocol.nvme.Status;
import io.weft.protocol.testing.Mutations;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of the Discovery Information Management decoder: valid registrations (nvme-cli's
 * host entry, a direct discovery controller's subsystems, several attributes) mutated by bit flips,
 * random length fields, truncation and appended bytes. The decoder must either return data that
 * encodes back to a valid registration of the same size, or refuse with {@link
 * InvalidDiscoveryInformation} carrying a DNR status of the three TP8010 names; never another
 * exception, and never a read outside the bytes it was given.
 *
 * <p>A failure names its seed: rerun that case with {@code -Dweft.fuzz.case=SEED}.
 */
class DiscoveryInformationFuzzTest {
  static final long BASE_SEED = Long.getLong("weft.fuzz.seed", 0xD1_5C0L);
  static final int ITERATIONS = Integer.getInteger("weft.fuzz.iterations", 3000);

  /** Offsets of the fields that hold lengths and counts: where mutations find bugs. */
  static final int[] LENGTH_FIELDS = {0, 8, 16, 18, 20, 22, 1024 + 1024, 1024 + 1028, 2056, 2058};

  static List<byte[]> seeds() {
    ByteBuf ddc = Unpooled.buffer();
    new DiscoveryInformation(
            DiscoveryInformation.FORMAT_EXTENDED,
            DiscoveryInformation.ENTITY_DDC,
            true,
            DiscoveryInformation.KEY_PORT_ID,
            "nqn.2026-01.test:ddc",
            "array",
            "1",
            List.of(
                new DiscoveryInformationEntry(
                    3,
                    1,
                    2,
                    0,
                    1,
                    0xFFFF,
                    32,
                    "4420",
                    "nqn.2026-01.test:a",
                    "10.1.1.1",
                    0,
                    List.of(
                        new ExtendedAttribute(ExtendedAttribute.SYMBOLIC_NAME, "rack7".getBytes()),
                        new ExtendedAttribute(0xFF00, new byte[12]))),
                DiscoveryInformationTest.subsystem("10.1.1.2", "nqn.2026-01.test:b")))
        .encode(ddc);
    byte[] ddcBytes = new byte[ddc.readableBytes()];
    ddc.getBytes(0, ddcBytes);
    return List.of(DiscoveryInformationTest.nvmeCliRegistration(), ddcBytes);
  }

  @Test
  void mutatedRegistrationsAreDecodedOrRefusedCleanly() {
    Long only = Long.getLong("weft.fuzz.case");
    long first = only != null ? only : BASE_SEED;
    int count = only != null ? 1 : ITERATIONS;
    List<byte[]> seeds = seeds();
    int accepted = 0;
    for (int i = 0; i < count; i++) {
      long seed = first + i;
      byte[] data = mutate(new Random(seed), seeds.get((int) (seed & 1)));
      try {
        DiscoveryInformation d =
            DiscoveryInformation.decode(Unpooled.wrappedBuffer(data), 0, data.length);
        accepted++;
        ByteBuf again = Unpooled.buffer();
        d.encode(again);
        assertEquals(d.size(), again.readableBytes(), "seed " + seed);
        byte[] bytes = new byte[again.readableBytes()];
        again.getBytes(0, bytes);
        assertEquals(
            d,
            DiscoveryInformation.decode(Unpooled.wrappedBuffer(bytes), 0, bytes.length),
            "seed " + seed + ": what was accepted does not survive a round trip");
      } catch (InvalidDiscoveryInformation e) {
        int s = e.status() & ~Status.DNR;
        assertTrue(Status.dnr(e.status()), "seed " + seed + ": no DNR");
        assertTrue(
            s == Status.INVALID_DISCOVERY_INFORMATION
                || s == Status.INVALID_FIELD
                || s == Status.INSUFFICIENT_DISCOVERY_RESOURCES,
            "seed " + seed + ": " + Status.describe(e.status()));
        assertTrue(e.offset() >= 0 && e.offset() <= Math.max(data.length, 1024), "seed " + seed);
      } catch (RuntimeException e) {
        fail("seed " + seed + ": " + e, e);
      }
    }
    // Mutations are mostly harmful, but some (a flipped name byte) must still be accepted.
    assertTrue(accepted > count / 50, "only " + accepted + " of " + count + " accepted");
  }

  static byte[] mutate(Random r, byte[] seed) {
    return Mutations.mutate(r, seed, LENGTH_FIELDS);
  }
}
