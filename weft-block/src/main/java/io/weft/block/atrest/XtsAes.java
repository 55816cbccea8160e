package io.weft.block.atrest;

import io.netty.buffer.ByteBuf;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * XTS-AES (IEEE 1619, NIST SP 800-38E) over whole data units, built on the JDK's AES in ECB mode,
 * which runs on the AES instructions of the processor. The JDK has no XTS mode, and Bouncy Castle's
 * {@code KXTSBlockCipher} is the DSTU 7624 variant, not IEEE 1619.
 *
 * <p>The key is two AES keys of equal length, K1 (data) then K2 (tweak): 64 bytes for XTS-AES-256,
 * 32 for XTS-AES-128. Data unit {@code j} of a request is encrypted under tweak {@code firstUnit +
 * j}, written as a 128-bit little-endian number (IEEE 1619's data unit sequence number, dm-crypt's
 * {@code plain64}). Data units are whole numbers of 16-byte blocks, so no ciphertext stealing is
 * needed.
 *
 * <p>Not thread-safe: one instance per thread, reused for every request (the scratch arrays and
 * cipher objects are allocated once). Work is done in chunks of at most {@link #chunkBytes()}
 * bytes: the tweaks of a chunk are computed once, XORed in, the whole chunk goes through one ECB
 * call, and the tweaks are XORed out again.
 */
final class XtsAes {
  static final int BLOCK = 16;

  private static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /** The reduction of GF(2^128) multiplication by alpha: x^128 = x^7 + x^2 + x + 1. */
  private static final long ALPHA_REDUCTION = 0x87;

  private final int dataUnit;
  private final Cipher dataEncrypt;
  private final Cipher dataDecrypt;
  private final Cipher tweakEncrypt;
  private final byte[] in;
  private final byte[] out;
  private final byte[] tweaks;
  private final byte[] unitNumbers;
  private final byte[] firstTweaks;
  private final boolean[] zeroUnits;
  private final byte[] zeros;

  /**
   * @param key K1 followed by K2, 32 or 64 bytes; copied into the cipher objects, not kept
   * @param dataUnit bytes per data unit: a multiple of 16
   * @param chunkBytes scratch size, rounded down to whole data units (at least one)
   * @throws IllegalArgumentException for a key of the wrong length or with K1 equal to K2
   */
  XtsAes(byte[] key, int dataUnit, int chunkBytes) {
    if (key.length != 32 && key.length != 64) {
      throw new IllegalArgumentException("an XTS-AES key is 32 or 64 bytes, not " + key.length);
    }
    if (dataUnit < BLOCK || dataUnit % BLOCK != 0) {
      throw new IllegalArgumentException("data unit must be a multiple of 16: " + dataUnit);
    }
    int half = key.length / 2;
    // IEEE 1619 leaves it open, but SP 800-38E (FIPS 140 IG C.I) requires distinct halves.
    if (MessageDigest.isEqual(
        Arrays.copyOfRange(key, 0, half), Arrays.copyOfRange(key, half, key.length))) {
      throw new IllegalArgumentException("the two halves of an XTS key must differ");
    }
    this.dataUnit = dataUnit;
    int chunk = Math.max(dataUnit, chunkBytes / dataUnit * dataUnit);
    try {
      SecretKeySpec k1 = new SecretKeySpec(key, 0, half, "AES");
      SecretKeySpec k2 = new SecretKeySpec(key, half, half, "AES");
      dataEncrypt = Cipher.getInstance("AES/ECB/NoPadding");
      dataEncrypt.init(Cipher.ENCRYPT_MODE, k1);
      dataDecrypt = Cipher.getInstance("AES/ECB/NoPadding");
      dataDecrypt.init(Cipher.DECRYPT_MODE, k1);
      tweakEncrypt = Cipher.getInstance("AES/ECB/NoPadding");
      tweakEncrypt.init(Cipher.ENCRYPT_MODE, k2);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no AES/ECB/NoPadding", e);
    }
    in = new byte[chunk];
    out = new byte[chunk];
    tweaks = new byte[chunk];
    unitNumbers = new byte[chunk / dataUnit * BLOCK];
    firstTweaks = new byte[unitNumbers.length];
    zeroUnits = new boolean[chunk / dataUnit];
    zeros = new byte[dataUnit];
  }

  int dataUnit() {
    return dataUnit;
  }

  int chunkBytes() {
    return in.length;
  }

  /**
   * Encrypts {@code length} bytes (whole data units) of {@code src} into {@code dst}; the first
   * data unit has number {@code firstUnit}. {@code src} is only read. Buffer indices are absolute
   * and not moved.
   */
  void encrypt(ByteBuf src, int srcIndex, ByteBuf dst, int dstIndex, int length, long firstUnit) {
    process(true, src, srcIndex, dst, dstIndex, length, firstUnit);
  }

  /**
   * Decrypts as {@link #encrypt} encrypts, except that a data unit whose ciphertext is all zeros is
   * left as zeros: that is what never-written and deallocated ranges of a sparse backing file hold,
   * and they must read as zeros. (An encrypted unit is all zeros with probability 2^-4096 for 512
   * bytes.) {@code src} and {@code dst} may be the same range.
   */
  void decrypt(ByteBuf src, int srcIndex, ByteBuf dst, int dstIndex, int length, long firstUnit) {
    process(false, src, srcIndex, dst, dstIndex, length, firstUnit);
  }

  /** Encrypts whole data units of a byte array in place (tests and known answers). */
  void encrypt(byte[] data, long firstUnit) {
    processArray(true, data, firstUnit);
  }

  /** Decrypts whole data units of a byte array in place, without the zero-unit rule. */
  void decrypt(byte[] data, long firstUnit) {
    processArray(false, data, firstUnit);
  }

  private void processArray(boolean encrypt, byte[] data, long firstUnit) {
    checkLength(data.length);
    for (int done = 0; done < data.length; ) {
      int n = Math.min(data.length - done, in.length);
      System.arraycopy(data, done, in, 0, n);
      transform(encrypt, n, firstUnit + done / dataUnit);
      System.arraycopy(out, 0, data, done, n);
      done += n;
    }
  }

  private void process(
      boolean encrypt,
      ByteBuf src,
      int srcIndex,
      ByteBuf dst,
      int dstIndex,
      int length,
      long firstUnit) {
    checkLength(length);
    for (int done = 0; done < length; ) {
      int n = Math.min(length - done, in.length);
      src.getBytes(srcIndex + done, in, 0, n);
      boolean zeroUnitsFound = !encrypt && findZeroUnits(n);
      transform(encrypt, n, firstUnit + done / dataUnit);
      if (zeroUnitsFound) {
        restoreZeroUnits(n);
      }
      dst.setBytes(dstIndex + done, out, 0, n);
      done += n;
    }
  }

  private void checkLength(int length) {
    if (length % dataUnit != 0) {
      throw new IllegalArgumentException(
          "length " + length + " is not a whole number of " + dataUnit + "-byte data units");
    }
  }

  /** {@code in[0, n)} to {@code out[0, n)}; n is whole data units, at most one chunk. */
  private void transform(boolean encrypt, int n, long firstUnit) {
    int units = n / dataUnit;
    for (int u = 0; u < units; u++) {
      LONG_LE.set(unitNumbers, u * BLOCK, firstUnit + u);
      LONG_LE.set(unitNumbers, u * BLOCK + 8, 0L);
    }
    update(tweakEncrypt, unitNumbers, units * BLOCK, firstTweaks);
    for (int u = 0; u < units; u++) {
      long lo = (long) LONG_LE.get(firstTweaks, u * BLOCK);
      long hi = (long) LONG_LE.get(firstTweaks, u * BLOCK + 8);
      int end = (u + 1) * dataUnit;
      for (int at = u * dataUnit; at < end; at += BLOCK) {
        LONG_LE.set(tweaks, at, lo);
        LONG_LE.set(tweaks, at + 8, hi);
        // Multiply by alpha: a 128-bit little-endian shift left, reduced when a bit falls off.
        long carry = hi >> 63; // all ones or all zeros
        hi = (hi << 1) | (lo >>> 63);
        lo = (lo << 1) ^ (carry & ALPHA_REDUCTION);
      }
    }
    xor(in, tweaks, n);
    update(encrypt ? dataEncrypt : dataDecrypt, in, n, out);
    xor(out, tweaks, n);
  }

  /** Marks the data units of {@code in[0, n)} that are all zeros (see {@link #decrypt}). */
  private boolean findZeroUnits(int n) {
    boolean any = false;
    for (int u = 0, at = 0; at < n; u++, at += dataUnit) {
      zeroUnits[u] = Arrays.mismatch(in, at, at + dataUnit, zeros, 0, dataUnit) == -1;
      any |= zeroUnits[u];
    }
    return any;
  }

  private void restoreZeroUnits(int n) {
    for (int u = 0, at = 0; at < n; u++, at += dataUnit) {
      if (zeroUnits[u]) {
        Arrays.fill(out, at, at + dataUnit, (byte) 0);
      }
    }
  }

  private static void xor(byte[] data, byte[] with, int n) {
    for (int i = 0; i < n; i++) {
      data[i] ^= with[i];
    }
  }

  private static void update(Cipher cipher, byte[] input, int n, byte[] output) {
    try {
      cipher.update(input, 0, n, output, 0);
    } catch (GeneralSecurityException e) {
      // ECB without padding on whole blocks into a large enough array cannot fail.
      throw new IllegalStateException(e);
    }
  }
}
