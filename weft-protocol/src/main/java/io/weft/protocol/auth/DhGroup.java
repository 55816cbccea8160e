package io.weft.protocol.auth;

import java.math.BigInteger;
import org.bouncycastle.crypto.agreement.DHStandardGroups;
import org.bouncycastle.crypto.params.DHParameters;

/**
 * The DH-HMAC-CHAP Diffie-Hellman groups by DH Group ID: none, or an RFC 7919 finite field group
 * (generator 2). The primes come from Bouncy Castle's tables rather than being typed here. {@link
 * #valueLength} is the modulus size in bytes: the length of public values (DHVLEN) and of Z.
 */
public enum DhGroup {
  NULL(0x00, 0, null),
  FFDHE2048(0x01, 256, DHStandardGroups.rfc7919_ffdhe2048),
  FFDHE3072(0x02, 384, DHStandardGroups.rfc7919_ffdhe3072),
  FFDHE4096(0x03, 512, DHStandardGroups.rfc7919_ffdhe4096),
  FFDHE6144(0x04, 768, DHStandardGroups.rfc7919_ffdhe6144),
  FFDHE8192(0x05, 1024, DHStandardGroups.rfc7919_ffdhe8192);

  public final int id;
  public final int valueLength;
  private final DHParameters parameters;

  DhGroup(int id, int valueLength, DHParameters parameters) {
    this.id = id;
    this.valueLength = valueLength;
    this.parameters = parameters;
  }

  /** The group with this DH Group ID, or null if there is none. */
  public static DhGroup of(int id) {
    for (DhGroup g : values()) {
      if (g.id == id) {
        return g;
      }
    }
    return null;
  }

  /** The prime modulus; not defined for {@link #NULL}. */
  public BigInteger prime() {
    requireGroup();
    return parameters.getP();
  }

  /** The generator (2 for every RFC 7919 group); not defined for {@link #NULL}. */
  public BigInteger generator() {
    requireGroup();
    return parameters.getG();
  }

  /**
   * Bits of a fresh private exponent: twice the group's strength rounded up to a power of two, as
   * Linux does (256 for 2048/3072, 512 for the larger groups).
   */
  public int privateExponentBits() {
    requireGroup();
    return valueLength <= 384 ? 256 : 512;
  }

  private void requireGroup() {
    if (this == NULL) {
      throw new IllegalStateException("the null DH group has no parameters");
    }
  }
}
