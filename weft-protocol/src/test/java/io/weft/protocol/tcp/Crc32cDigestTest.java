package io.weft.protocol.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.protocol.testing.Hex;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * CRC32C known answers (ref §1.4: Castagnoli, init 0xFFFFFFFF, final XOR). The check value of
 * "123456789" is the standard CRC catalogue's; the 32-byte vectors are RFC 3720 (iSCSI) appendix
 * B.4, whose digests are listed there in wire (little-endian) order: zeros "aa 36 91 8a", ones "43
 * ab a8 62", 00..1f "4e 79 dd 46", 1f..00 "5c db 3f 11". Each vector is computed over a heap
 * buffer, a slice with a non-zero array offset, a direct buffer and a composite buffer whose
 * components are cut at odd places, so every branch of {@link Crc32cDigest#update} is covered.
 */
class Crc32cDigestTest {

  static Stream<Arguments> vectors() {
    byte[] ones = new byte[32];
    byte[] up = new byte[32];
    byte[] down = new byte[32];
    for (int i = 0; i < 32; i++) {
      ones[i] = (byte) 0xFF;
      up[i] = (byte) i;
      down[i] = (byte) (31 - i);
    }
    return Stream.of(
        Arguments.of("\"123456789\"", "123456789".getBytes(StandardCharsets.US_ASCII), 0xE3069283),
        Arguments.of("32 x 00", new byte[32], 0x8A9136AA),
        Arguments.of("32 x ff", ones, 0x62A8AB43),
        Arguments.of("00..1f", up, 0x46DD794E),
        Arguments.of("1f..00", down, 0x113FDB5C));
  }

  static Stream<Arguments> layouts() {
    return Stream.of(
        Arguments.of("heap", (Function<byte[], ByteBuf>) Unpooled::wrappedBuffer),
        Arguments.of("heap slice", (Function<byte[], ByteBuf>) Crc32cDigestTest::heapSlice),
        Arguments.of("direct", (Function<byte[], ByteBuf>) Crc32cDigestTest::direct),
        Arguments.of("composite", (Function<byte[], ByteBuf>) Crc32cDigestTest::composite),
        Arguments.of(
            "composite of one direct",
            (Function<byte[], ByteBuf>)
                b -> Unpooled.compositeBuffer().addComponent(true, direct(b))));
  }

  static Stream<Arguments> cases() {
    return vectors()
        .flatMap(
            v ->
                layouts()
                    .map(
                        l ->
                            Arguments.of(
                                v.get()[0], l.get()[0], v.get()[1], v.get()[2], l.get()[1])));
  }

  @ParameterizedTest(name = "{0} over {1}")
  @MethodSource("cases")
  void knownAnswer(
      String vector, String layout, byte[] data, int expected, Function<byte[], ByteBuf> make) {
    ByteBuf b = make.apply(data);
    try {
      int index = b.readerIndex();
      assertEquals(expected, new Crc32cDigest().compute(b, index, data.length), vector);

      // The same value when fed in pieces through reset/update/value.
      Crc32cDigest d = new Crc32cDigest();
      d.reset();
      d.update(b, index, 5);
      d.update(b, index + 5, 0);
      d.update(b, index + 5, data.length - 5);
      assertEquals(expected, d.value(), vector + " in pieces");
      assertEquals(index, b.readerIndex(), "computing a digest must not move the reader index");
    } finally {
      b.release();
    }
  }

  @ParameterizedTest(name = "digest of a window inside a {0} buffer")
  @MethodSource("layouts")
  void digestOfAWindow(String layout, Function<byte[], ByteBuf> make) {
    // "123456789" in the middle of other bytes: only [index, index + length) counts.
    byte[] framed = Hex.bytes("ffeedd 313233343536373839 ccbbaa99");
    ByteBuf b = make.apply(framed);
    try {
      assertEquals(0xE3069283, new Crc32cDigest().compute(b, b.readerIndex() + 3, 9));
    } finally {
      b.release();
    }
  }

  @ParameterizedTest(name = "one instance reused over {0}")
  @MethodSource("layouts")
  void computeStartsAfresh(String layout, Function<byte[], ByteBuf> make) {
    Crc32cDigest d = new Crc32cDigest();
    ByteBuf zeros = make.apply(new byte[32]);
    ByteBuf digits = make.apply("123456789".getBytes(StandardCharsets.US_ASCII));
    try {
      assertEquals(0x8A9136AA, d.compute(zeros, zeros.readerIndex(), 32));
      assertEquals(0xE3069283, d.compute(digits, digits.readerIndex(), 9));
      assertEquals(0x8A9136AA, d.compute(zeros, zeros.readerIndex(), 32));
    } finally {
      zeros.release();
      digits.release();
    }
  }

  @ParameterizedTest(name = "empty range over {0}")
  @MethodSource("layouts")
  void emptyRangeIsTheEmptyDigest(String layout, Function<byte[], ByteBuf> make) {
    ByteBuf b = make.apply(new byte[4]);
    try {
      assertEquals(0, new Crc32cDigest().compute(b, b.readerIndex(), 0));
    } finally {
      b.release();
    }
  }

  private static ByteBuf heapSlice(byte[] data) {
    byte[] bigger = new byte[data.length + 7];
    System.arraycopy(data, 0, bigger, 5, data.length);
    ByteBuf whole = Unpooled.wrappedBuffer(bigger);
    return whole.slice(5, data.length); // arrayOffset 5; releasing the slice releases whole
  }

  private static ByteBuf direct(byte[] data) {
    ByteBuf b = Unpooled.directBuffer(data.length);
    b.writeBytes(data);
    return b;
  }

  /** Heap, direct and heap components, cut after 1 byte and after 4 more. */
  private static ByteBuf composite(byte[] data) {
    CompositeByteBuf c = Unpooled.compositeBuffer();
    int a = Math.min(1, data.length);
    int m = Math.min(5, data.length);
    c.addComponent(true, Unpooled.wrappedBuffer(data, 0, a));
    c.addComponent(true, direct(java.util.Arrays.copyOfRange(data, a, m)));
    c.addComponent(true, Unpooled.wrappedBuffer(data, m, data.length - m));
    return c;
  }
}
