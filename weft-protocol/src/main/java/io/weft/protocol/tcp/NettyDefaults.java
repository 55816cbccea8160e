package io.weft.protocol.tcp;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.internal.PlatformDependent;
import java.util.Locale;

/**
 * Netty settings the {@code weft} command runs with, set from {@code main} before any Netty class
 * loads (each can still be given with {@code -D}, which wins). Tests run in-process without them,
 * so they keep Netty's defaults, leak detection included.
 *
 * <ul>
 *   <li><b>Uninitialized pool chunks.</b> By default, on JDK 9 and later, every new 4 MiB chunk of
 *       Netty's pool comes from {@code ByteBuffer.allocateDirect}, which zeroes it; at 128 KiB
 *       writes the zeroing alone was 15% of the target's CPU (docs/benchmarks.md, "Where the CPU
 *       goes"). Pool memory is never handed out as zeroes anyway (a reused buffer holds its last
 *       contents), so nothing may rely on it. Netty takes chunks uninitialized through {@code
 *       DirectByteBuffer}'s private constructor, which needs {@code java.nio} opened (the jar's
 *       manifest does, as {@code Add-Opens}) and Netty's reflection switch on.
 *   <li><b>No leak detection.</b> Netty's default samples one buffer in 128 and touches every
 *       message written down the pipeline with a hint; together about 5% of the target's samples at
 *       4 KiB reads. The test suites, where a leak would be found, keep it.
 * </ul>
 */
public final class NettyDefaults {
  static final String REFLECTION_SWITCH = "io.netty.tryReflectionSetAccessible";
  static final String LEAK_DETECTION = "io.netty.leakDetection.level";

  private NettyDefaults() {}

  /** Sets the defaults above, unless given explicitly. Call first thing in {@code main}. */
  public static void apply() {
    setUnlessGiven(REFLECTION_SWITCH, "true");
    setUnlessGiven(LEAK_DETECTION, "disabled");
  }

  private static void setUnlessGiven(String property, String value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
  }

  /** Whether Netty's pool takes chunks without zeroing them (see the class comment). */
  public static boolean uninitializedChunks() {
    return PlatformDependent.useDirectBufferNoCleaner();
  }

  /** One line for a server's log. */
  public static String describe() {
    return (uninitializedChunks()
            ? "Netty: pool chunks taken uninitialized"
            : "Netty: pool chunks zeroed by ByteBuffer.allocateDirect (java.nio is not open to"
                + " Netty: run the jar, or add --add-opens=java.base/java.nio=ALL-UNNAMED)")
        + ", leak detection "
        + ResourceLeakDetector.getLevel().name().toLowerCase(Locale.ROOT);
  }
}
