package io.weft.protocol.auth;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * One side's Diffie-Hellman key pair in an RFC 7919 group: the private exponent x and the public
 * value g^x mod p. Public values and the shared secret Z travel as unsigned big-endian numbers
 * left-padded with zeros to the modulus size, as Linux and SPDK send them.
 */
public final class FfdheKeyPair {
  private final DhGroup group;
  private final BigInteger privateExponent;
  private final BigInteger publicValue;

  private FfdheKeyPair(DhGroup group, BigInteger privateExponent) {
    this.group = group;
    this.privateExponent = privateExponent;
    this.publicValue = group.generator().modPow(privateExponent, group.prime());
  }

  /** A fresh key pair with a random exponent of the size Linux uses for the group. */
  public static FfdheKeyPair generate(DhGroup group, SecureRandom random) {
    requireGroup(group);
    BigInteger x;
    do {
      x = new BigInteger(group.privateExponentBits(), random);
    } while (x.compareTo(BigInteger.ONE) <= 0);
    return new FfdheKeyPair(group, x);
  }

  /** The key pair of a known exponent (1 &lt; x &lt; p-1); for known-answer tests. */
  public static FfdheKeyPair of(DhGroup group, BigInteger privateExponent) {
    requireGroup(group);
    if (privateExponent.compareTo(BigInteger.ONE) <= 0
        || privateExponent.compareTo(group.prime().subtract(BigInteger.ONE)) >= 0) {
      throw new IllegalArgumentException("private exponent out of range");
    }
    return new FfdheKeyPair(group, privateExponent);
  }

  public DhGroup group() {
    return group;
  }

  /** g^x mod p, {@link DhGroup#valueLength} bytes. */
  public byte[] publicValue() {
    return toFixedLength(publicValue, group.valueLength);
  }

  /**
   * Z = Y^x mod p for the peer's public value Y, {@link DhGroup#valueLength} bytes. The peer's
   * value must be exactly the modulus size and 1 &lt; Y &lt; p-1 (0, 1 and p-1 would force Z into a
   * set of at most two values an eavesdropper knows).
   *
   * @param valueOffset where the value sits in its message, for the refusal
   */
  public byte[] sharedSecret(byte[] peerValue, int valueOffset) throws InvalidAuthMessage {
    if (peerValue.length != group.valueLength) {
      throw new InvalidAuthMessage(
          FailureReason.INCORRECT_PAYLOAD,
          valueOffset,
          "DH value of "
              + peerValue.length
              + " bytes, "
              + group
              + " values are "
              + group.valueLength);
    }
    BigInteger y = new BigInteger(1, peerValue);
    BigInteger p = group.prime();
    if (y.compareTo(BigInteger.ONE) <= 0 || y.compareTo(p.subtract(BigInteger.ONE)) >= 0) {
      throw new InvalidAuthMessage(
          FailureReason.INCORRECT_PAYLOAD, valueOffset, "DH value outside 1 < Y < p-1");
    }
    return toFixedLength(y.modPow(privateExponent, p), group.valueLength);
  }

  @Override
  public String toString() {
    return "FfdheKeyPair[" + group + "]";
  }

  private static void requireGroup(DhGroup group) {
    if (group == DhGroup.NULL) {
      throw new IllegalArgumentException("the null DH group has no key pairs");
    }
  }

  /** Unsigned big-endian, left-padded with zeros to length bytes. */
  static byte[] toFixedLength(BigInteger value, int length) {
    byte[] b = value.toByteArray();
    if (b.length == length) {
      return b;
    }
    if (b.length > length) {
      // Only the sign byte BigInteger adds to a number with its top bit set.
      return Arrays.copyOfRange(b, b.length - length, b.length);
    }
    byte[] padded = new byte[length];
    System.arraycopy(b, 0, padded, length - b.length, b.length);
    return padded;
  }
}
