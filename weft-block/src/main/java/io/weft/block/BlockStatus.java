package io.weft.block;

/** Result codes of block I/O. The target maps them to NVMe statuses in one place. */
public final class BlockStatus {
  private BlockStatus() {}

  public static final int OK = 0;

  /** The storage failed the operation (EIO and alike). */
  public static final int IO_ERROR = 1;

  /** The range lies (partly) outside the device. */
  public static final int OUT_OF_RANGE = 2;

  /** The storage is full (ENOSPC on a sparse file). */
  public static final int NO_SPACE = 3;

  /** The device is closed or being removed. */
  public static final int CLOSED = 4;

  /**
   * This node can no longer serve the device (a replicated volume's owner was fenced by a newer
   * one): the host should retry on another path.
   */
  public static final int PATH_UNAVAILABLE = 5;

  public static String describe(int status) {
    return switch (status) {
      case OK -> "ok";
      case IO_ERROR -> "I/O error";
      case OUT_OF_RANGE -> "out of range";
      case NO_SPACE -> "no space";
      case CLOSED -> "closed";
      case PATH_UNAVAILABLE -> "path unavailable";
      default -> "status " + status;
    };
  }
}
