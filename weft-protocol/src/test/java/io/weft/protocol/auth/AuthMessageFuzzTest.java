package io.weft.protocol.auth;

import static io.weft.protocol.auth.Kat.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.protocol.testing.Mutations;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of the authentication message decoders: the messages Linux sent (and the ones Weft
 * encodes) mutated by bit flips, random length and ID fields, truncation and appended bytes. A
 * decoder must return a message that encodes back to one of the same type that decodes again to the
 * same bytes, or refuse with {@link InvalidAuthMessage}; never another exception. Each case is
 * decoded twice: from a buffer holding exactly the given bytes (a read past them throws) and from
 * the middle of a larger buffer of random bytes (a read outside them changes the answer).
 *
 * <p>A failure names its seed: rerun that case with {@code -Dweft.fuzz.case=SEED}.
 */
class AuthMessageFuzzTest {
  static final long BASE_SEED = Long.getLong("weft.fuzz.seed", 0xA07_0L);
  static final int ITERATIONS = Integer.getInteger("weft.fuzz.iterations", 4000);

  /** HL, the ID bytes, DHVLEN and the Negotiate's NAPD, HALEN and DHLEN. */
  static final int[] FIELDS = {0, 1, 6, 7, 8, 9, 10, 11, 12, 18, 19};

  static List<byte[]> seeds() {
    return List.of(
        hex(AuthMessageTest.LINUX_NEGOTIATE),
        hex(AuthMessageTest.V5_CHALLENGE_HEADER + AuthMessageTest.V5_C1 + KatDh.CTRL_PUBLIC_2048),
        hex(
            "0101000000002000010000"
                + "00a8c4c803"
                + "0dc24b479ba73ee21bba9c3b559bac7d232a8c2b27f4ac2289e71657596ce263"),
        hex(
            AuthMessageTest.V5_REPLY_HEADER
                + AuthMessageTest.V5_R1
                + hex(Kat.run(0xa0, 48))
                + KatDh.HOST_PUBLIC_2048),
        AuthMessageTest.encode(new DhchapReply(3, Kat.run(5, 64), null, 0, new byte[0])),
        hex("01030000000030000100000000000000" + AuthMessageTest.V4_R2),
        hex("01030000010020000000000000000000"),
        hex("01040000000000000000000000000000"),
        hex("00f1000000000101"),
        hex("00f0000000000107"),
        AuthMessageTest.encode(
            new AuthNegotiate(
                9,
                0,
                List.of(
                    NegotiateDescriptor.everything(),
                    new NegotiateDescriptor(List.of(3), List.of(5, 0))))));
  }

  @Test
  void mutatedMessagesAreDecodedOrRefusedCleanly() {
    Long only = Long.getLong("weft.fuzz.case");
    long first = only != null ? only : BASE_SEED;
    int count = only != null ? 1 : ITERATIONS;
    List<byte[]> seeds = seeds();
    int accepted = 0;
    for (int i = 0; i < count; i++) {
      long seed = first + i;
      Random r = new Random(seed);
      byte[] data = mutate(r, seeds.get(r.nextInt(seeds.size())));
      try {
        AuthMessage exact = decodeOrRefuse(Unpooled.wrappedBuffer(data), 0, data.length, seed);
        int at = 1 + r.nextInt(64);
        byte[] surroundings = new byte[at + data.length + 1 + r.nextInt(64)];
        r.nextBytes(surroundings);
        System.arraycopy(data, 0, surroundings, at, data.length);
        AuthMessage embedded =
            decodeOrRefuse(Unpooled.wrappedBuffer(surroundings), at, data.length, seed);
        if (exact == null) {
          assertEquals(null, embedded, "seed " + seed + ": refusal depends on other bytes");
          continue;
        }
        assertNotNull(embedded, "seed " + seed + ": acceptance depends on other bytes");
        accepted++;
        byte[] encoded = AuthMessageTest.encode(exact);
        assertArrayEquals(
            encoded, AuthMessageTest.encode(embedded), "seed " + seed + ": read outside the data");
        assertTrue(encoded.length <= data.length, "seed " + seed + ": grew");
        AuthMessage again = AuthMessage.decode(Unpooled.wrappedBuffer(encoded), 0, encoded.length);
        assertEquals(exact.type(), again.type(), "seed " + seed);
        assertArrayEquals(
            encoded,
            AuthMessageTest.encode(again),
            "seed " + seed + ": what was accepted does not survive a round trip");
      } catch (InvalidAuthMessage e) {
        fail("seed " + seed + ": a re-encoded message was refused: " + e.getMessage(), e);
      } catch (RuntimeException e) {
        fail("seed " + seed + ": " + e, e);
      }
    }
    // Mutations are mostly harmful, but some (a flipped challenge byte) must still be accepted.
    assertTrue(accepted > count / 50, "only " + accepted + " of " + count + " accepted");
  }

  /** The decoded message, or null after checking the refusal is well formed. */
  static AuthMessage decodeOrRefuse(ByteBuf buf, int offset, int length, long seed) {
    try {
      return AuthMessage.decode(buf, offset, length);
    } catch (InvalidAuthMessage e) {
      assertNotNull(e.explanation(), "seed " + seed);
      assertTrue(
          e.offset() >= 0 && e.offset() <= Math.max(length, 16),
          "seed " + seed + ": offset " + e.offset());
      return null;
    }
  }

  static byte[] mutate(Random r, byte[] seed) {
    return Mutations.mutate(r, seed, FIELDS);
  }
}
