package io.weft.tgt.tcp;

import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Fails a test class that leaks Netty buffers or logs an unexpected error.
 *
 * <p>Leaks: Netty's leak detector runs at PARANOID (every buffer tracked) from {@link #start} to
 * {@link #stop}, and a listener on the detector all {@link ByteBuf}s share collects what it
 * reports. Surefire runs every test class in one JVM, so the detector already exists when a class
 * starts; its level can still be raised at run time and the listener attached to it. Leaks are
 * reported only when a leaked buffer has been garbage collected and another buffer is tracked, so
 * {@link #stop} collects garbage and allocates a little before it looks.
 *
 * <p>Log: slf4j-simple prints to whatever {@code System.err} is when it logs, so a tee on it sees
 * every line the target logs; a WARN "unexpected error" (an exception the transport did not expect)
 * fails the class, and so does Netty's own "LEAK:" line as a second witness.
 */
final class LeakWatch {
  private LeakWatch() {}

  private static final Queue<String> leaks = new ConcurrentLinkedQueue<>();
  private static ResourceLeakDetector.Level previousLevel;
  private static PrintStream previousErr;
  private static ByteArrayOutputStream captured;

  static synchronized void start() {
    previousLevel = ResourceLeakDetector.getLevel();
    System.setProperty("io.netty.leakDetection.level", "paranoid");
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    // Anything an earlier class leaked is reported (and logged) now, not blamed on this one.
    collectGarbage();
    detector().setLeakListener((type, records) -> leaks.add(type + ":" + records));
    leaks.clear();
    previousErr = System.err;
    captured = new ByteArrayOutputStream();
    ByteArrayOutputStream sink = captured;
    PrintStream original = previousErr;
    System.setErr(
        new PrintStream(
            new OutputStream() {
              @Override
              public void write(int b) {
                original.write(b);
                synchronized (sink) {
                  sink.write(b);
                }
              }

              @Override
              public void write(byte[] b, int off, int len) {
                original.write(b, off, len);
                synchronized (sink) {
                  sink.write(b, off, len);
                }
              }

              @Override
              public void flush() {
                original.flush();
              }
            },
            true,
            StandardCharsets.UTF_8));
  }

  /** Looks for leaks and bad log lines so far; the watch stays on. */
  static synchronized void check() {
    collectGarbage();
    List<String> problems = new ArrayList<>(leaks);
    leaks.clear();
    String log;
    synchronized (captured) {
      log = captured.toString(StandardCharsets.UTF_8);
      captured.reset();
    }
    for (String line : log.split("\n")) {
      if (line.contains("unexpected error") || line.contains("LEAK:")) {
        problems.add(line);
      }
    }
    if (!problems.isEmpty()) {
      fail("buffer leaks or unexpected errors:\n" + String.join("\n\n", problems));
    }
  }

  static synchronized void stop() {
    try {
      check();
    } finally {
      detector().setLeakListener(null);
      ResourceLeakDetector.setLevel(previousLevel);
      System.setErr(previousErr);
    }
  }

  /** Lets the leak detector see collected buffers: GC, then track a few new ones. */
  private static void collectGarbage() {
    for (int round = 0; round < 4; round++) {
      System.gc();
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      for (int i = 0; i < 32; i++) {
        PooledByteBufAllocator.DEFAULT.directBuffer(64).release();
        PooledByteBufAllocator.DEFAULT.heapBuffer(64).release();
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static ResourceLeakDetector<ByteBuf> detector() {
    try {
      Field f = AbstractByteBuf.class.getDeclaredField("leakDetector");
      f.setAccessible(true);
      return (ResourceLeakDetector<ByteBuf>) f.get(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot reach Netty's ByteBuf leak detector", e);
    }
  }
}
