package io.weft.block.atrest;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What one core encrypts: {@link XtsAes} over 4 KiB and 128 KiB requests (direct buffers, as the
 * device sees them) with 512- and 4096-byte data units, beside the JDK's AES-ECB on the same amount
 * of data in one call per chunk (the limit: XTS is ECB plus the tweak work and copies). Run by
 * {@code bench/at-rest}; prints and writes {@code -Dweft.bench.out} lines {@code xts <what> <unit>
 * <request> <MiB/s>}.
 */
@Tag("bench")
class XtsThroughputBenchmark {
  private static final long SECONDS = Long.getLong("weft.bench.seconds", 3);

  @Test
  void oneCore() throws Exception {
    byte[] key = new byte[64];
    new Random(1).nextBytes(key);
    List<String> lines = new ArrayList<>();
    for (int request : new int[] {4096, 128 << 10}) {
      lines.add(line("aes-ecb", 0, request, ecb(key, request)));
      for (int unit : new int[] {512, 4096}) {
        lines.add(line("xts-encrypt", unit, request, xts(key, unit, request, true)));
        lines.add(line("xts-decrypt", unit, request, xts(key, unit, request, false)));
      }
    }
    lines.forEach(System.out::println);
    String out = System.getProperty("weft.bench.out");
    if (out != null) {
      Files.write(Path.of(out), lines);
    }
  }

  private static String line(String what, int unit, int request, double mibPerSec) {
    return String.format("xts\t%s\t%d\t%d\t%.1f", what, unit, request, mibPerSec);
  }

  /** MiB/s of XTS on one thread: warm-up, then {@link #SECONDS} of requests. */
  private static double xts(byte[] key, int unit, int request, boolean encrypt) {
    XtsAes xts = new XtsAes(key, unit, 64 << 10);
    ByteBuf src = Unpooled.directBuffer(request).writeZero(request);
    ByteBuf dst = Unpooled.directBuffer(request).writeZero(request);
    src.setByte(0, 1); // decrypting all zeros would take the zero-unit shortcut
    Runnable one =
        encrypt
            ? () -> xts.encrypt(src, 0, dst, 0, request, 12345)
            : () -> xts.decrypt(src, 0, dst, 0, request, 12345);
    return measure(one, request);
  }

  /** MiB/s of AES-256-ECB on one thread, byte array to byte array, 64 KiB per call. */
  private static double ecb(byte[] key, int request) throws Exception {
    Cipher cipher = Cipher.getInstance("AES/ECB/NoPadding");
    cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, 0, 32, "AES"));
    byte[] in = new byte[request];
    byte[] out = new byte[request];
    return measure(
        () -> {
          try {
            for (int done = 0; done < request; done += 64 << 10) {
              int n = Math.min(64 << 10, request - done);
              cipher.update(in, done, n, out, done);
            }
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        },
        request);
  }

  private static double measure(Runnable one, int request) {
    long warmEnd = System.nanoTime() + 1_000_000_000L;
    while (System.nanoTime() < warmEnd) {
      one.run();
    }
    long count = 0;
    long start = System.nanoTime();
    long end = start + SECONDS * 1_000_000_000L;
    long now;
    do {
      for (int i = 0; i < 16; i++) {
        one.run();
      }
      count += 16;
      now = System.nanoTime();
    } while (now < end);
    return count * (double) request / (1 << 20) / ((now - start) / 1e9);
  }
}
