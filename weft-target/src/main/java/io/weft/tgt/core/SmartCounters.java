package io.weft.tgt.core;

import io.weft.protocol.nvme.SmartLog;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The live counters behind the SMART / Health log page of one subsystem (and the metrics endpoint).
 * Updated from every queue's event loop, so each is a {@link LongAdder} (no shared cache line on
 * the hot path).
 */
public final class SmartCounters {
  private final LongAdder bytesRead = new LongAdder();
  private final LongAdder bytesWritten = new LongAdder();
  private final LongAdder readCommands = new LongAdder();
  private final LongAdder writeCommands = new LongAdder();
  private final LongAdder mediaErrors = new LongAdder();
  private final LongAdder errorLogEntries = new LongAdder();
  private final long startNanos = System.nanoTime();

  public long readCommands() {
    return readCommands.sum();
  }

  public long writeCommands() {
    return writeCommands.sum();
  }

  public long bytesRead() {
    return bytesRead.sum();
  }

  public long bytesWritten() {
    return bytesWritten.sum();
  }

  public long mediaErrors() {
    return mediaErrors.sum();
  }

  void read(int bytes) {
    bytesRead.add(bytes);
    readCommands.increment();
  }

  void written(int bytes) {
    bytesWritten.add(bytes);
    writeCommands.increment();
  }

  void mediaError() {
    mediaErrors.increment();
  }

  void errorLogged() {
    errorLogEntries.increment();
  }

  public SmartLog snapshot() {
    long uptime = System.nanoTime() - startNanos;
    return new SmartLog(
        0,
        0, // no temperature sensor: 0 K means "not reported"
        100,
        10,
        0,
        SmartLog.dataUnits(bytesRead.sum()),
        SmartLog.dataUnits(bytesWritten.sum()),
        readCommands.sum(),
        writeCommands.sum(),
        0, // controller busy time is not measured (it would cost two clock reads per I/O)
        1,
        TimeUnit.NANOSECONDS.toHours(uptime),
        0,
        mediaErrors.sum(),
        errorLogEntries.sum());
  }
}
