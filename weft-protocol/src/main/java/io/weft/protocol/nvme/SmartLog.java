package io.weft.protocol.nvme;

import io.netty.buffer.ByteBuf;

/**
 * SMART / Health Information log page, LID 02h (NVMe Base 2.0): 512 bytes. Counters are 128-bit
 * little-endian on the wire; Weft's fit in the low 64 bits.
 *
 * @param dataUnitsRead thousands of 512-byte units read, rounded up
 * @param dataUnitsWritten thousands of 512-byte units written, rounded up
 */
public record SmartLog(
    int criticalWarning,
    int temperatureKelvin,
    int availableSpare,
    int availableSpareThreshold,
    int percentageUsed,
    long dataUnitsRead,
    long dataUnitsWritten,
    long hostReadCommands,
    long hostWriteCommands,
    long controllerBusyMinutes,
    long powerCycles,
    long powerOnHours,
    long unsafeShutdowns,
    long mediaErrors,
    long errorLogEntries) {

  public static final int SIZE = 512;
  public static final int CRITICAL_WARNING = 0;
  public static final int TEMPERATURE = 1;
  public static final int AVAILABLE_SPARE = 3;
  public static final int AVAILABLE_SPARE_THRESHOLD = 4;
  public static final int PERCENTAGE_USED = 5;
  public static final int DATA_UNITS_READ = 32;
  public static final int DATA_UNITS_WRITTEN = 48;
  public static final int HOST_READ_COMMANDS = 64;
  public static final int HOST_WRITE_COMMANDS = 80;
  public static final int CONTROLLER_BUSY_TIME = 96;
  public static final int POWER_CYCLES = 112;
  public static final int POWER_ON_HOURS = 128;
  public static final int UNSAFE_SHUTDOWNS = 144;
  public static final int MEDIA_ERRORS = 160;
  public static final int ERROR_LOG_ENTRIES = 176;

  /** Converts a byte count into SMART data units (1000 × 512 bytes, rounded up). */
  public static long dataUnits(long bytes) {
    long sectors = (bytes + 511) / 512;
    return (sectors + 999) / 1000;
  }

  public void encode(ByteBuf page) {
    int base = page.writerIndex();
    page.writeZero(SIZE);
    page.setByte(base + CRITICAL_WARNING, criticalWarning);
    page.setShortLE(base + TEMPERATURE, temperatureKelvin);
    page.setByte(base + AVAILABLE_SPARE, availableSpare);
    page.setByte(base + AVAILABLE_SPARE_THRESHOLD, availableSpareThreshold);
    page.setByte(base + PERCENTAGE_USED, percentageUsed);
    page.setLongLE(base + DATA_UNITS_READ, dataUnitsRead);
    page.setLongLE(base + DATA_UNITS_WRITTEN, dataUnitsWritten);
    page.setLongLE(base + HOST_READ_COMMANDS, hostReadCommands);
    page.setLongLE(base + HOST_WRITE_COMMANDS, hostWriteCommands);
    page.setLongLE(base + CONTROLLER_BUSY_TIME, controllerBusyMinutes);
    page.setLongLE(base + POWER_CYCLES, powerCycles);
    page.setLongLE(base + POWER_ON_HOURS, powerOnHours);
    page.setLongLE(base + UNSAFE_SHUTDOWNS, unsafeShutdowns);
    page.setLongLE(base + MEDIA_ERRORS, mediaErrors);
    page.setLongLE(base + ERROR_LOG_ENTRIES, errorLogEntries);
  }

  public static SmartLog decode(ByteBuf b, int base) {
    return new SmartLog(
        b.getUnsignedByte(base + CRITICAL_WARNING),
        b.getUnsignedShortLE(base + TEMPERATURE),
        b.getUnsignedByte(base + AVAILABLE_SPARE),
        b.getUnsignedByte(base + AVAILABLE_SPARE_THRESHOLD),
        b.getUnsignedByte(base + PERCENTAGE_USED),
        b.getLongLE(base + DATA_UNITS_READ),
        b.getLongLE(base + DATA_UNITS_WRITTEN),
        b.getLongLE(base + HOST_READ_COMMANDS),
        b.getLongLE(base + HOST_WRITE_COMMANDS),
        b.getLongLE(base + CONTROLLER_BUSY_TIME),
        b.getLongLE(base + POWER_CYCLES),
        b.getLongLE(base + POWER_ON_HOURS),
        b.getLongLE(base + UNSAFE_SHUTDOWNS),
        b.getLongLE(base + MEDIA_ERRORS),
        b.getLongLE(base + ERROR_LOG_ENTRIES));
  }
}
