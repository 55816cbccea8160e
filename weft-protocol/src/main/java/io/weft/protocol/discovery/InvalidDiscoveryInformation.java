package io.weft.protocol.discovery;

/**
 * Discovery Information Management data that cannot be accepted: the NVMe status to answer with and
 * where in the data the problem is.
 */
public final class InvalidDiscoveryInformation extends Exception {
  private final int status;
  private final int offset;

  public InvalidDiscoveryInformation(int status, int offset, String message) {
    super(message + " (data byte " + offset + ")");
    this.status = status;
    this.offset = offset;
  }

  /** The completion status, DNR included. */
  public int status() {
    return status;
  }

  /** The byte of the data the problem was found at. */
  public int offset() {
    return offset;
  }
}
