package io.weft.protocol.tcp;

import io.netty.util.internal.PlatformDependent;

/**
 * How Netty's pool gets its direct memory. By default, on JDK 9 and later, every new 4 MiB pool
 * chunk comes from {@code ByteBuffer.allocateDirect}, which zeroes it. The pool makes and drops
 * chunks as a connection's receive buffer grows past a large PDU, so at 128 KiB writes the zeroing
 * alone was 15% of the target's CPU (docs/benchmarks.md, "Where the CPU goes"). Pool memory is
 * never handed out as zeroes anyway (a reused buffer holds its last contents), so nothing may rely
 * on it: Weft lets Netty take chunks uninitialized, through {@code DirectByteBuffer}'s private
 * constructor, which needs {@code java.nio} opened (the jar's manifest does, as {@code Add-Opens})
 * and Netty's reflection switch on before its first class loads.
 */
public final class DirectMemory {
  static final String REFLECTION_SWITCH = "io.netty.tryReflectionSetAccessible";

  private DirectMemory() {}

  /**
   * Asks Netty for uninitialized chunks. Must run before any Netty class loads (first thing in
   * {@code main}); an explicit {@code -Dio.netty.tryReflectionSetAccessible} wins.
   */
  public static void preferUninitializedChunks() {
    if (System.getProperty(REFLECTION_SWITCH) == null) {
      System.setProperty(REFLECTION_SWITCH, "true");
    }
  }

  /** Whether Netty's pool takes chunks without zeroing them (see the class comment). */
  public static boolean uninitializedChunks() {
    return PlatformDependent.useDirectBufferNoCleaner();
  }

  /** One line for a server's log. */
  public static String describe() {
    return uninitializedChunks()
        ? "pooled direct memory: chunks taken uninitialized"
        : "pooled direct memory: chunks zeroed by ByteBuffer.allocateDirect (java.nio is not open"
            + " to Netty: run the jar, or add --add-opens=java.base/java.nio=ALL-UNNAMED)";
  }
}
