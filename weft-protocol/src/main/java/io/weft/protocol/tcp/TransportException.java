package io.weft.protocol.tcp;

/**
 * A fatal NVMe/TCP transport error: the connection must end with a termination PDU carrying {@link
 * #fes()} and {@link #fei()}, then close. Thrown only on that (rare) path; command-level errors are
 * NVMe statuses, never exceptions.
 */
public final class TransportException extends RuntimeException {
  private final int fes;
  private final int fei;
  private final byte[] offendingHeader;

  public TransportException(int fes, int fei, byte[] offendingHeader, String message) {
    super(FatalErrorStatus.describe(fes) + ": " + message, null, false, false);
    this.fes = fes;
    this.fei = fei;
    this.offendingHeader = offendingHeader == null ? new byte[0] : offendingHeader;
  }

  /** Fatal error status. */
  public int fes() {
    return fes;
  }

  /** Fatal error information: for header field errors, the byte offset of the field. */
  public int fei() {
    return fei;
  }

  /** The header of the PDU in error (at most {@link TermReqPdu#MAX_ERROR_DATA} bytes). */
  public byte[] offendingHeader() {
    return offendingHeader.clone();
  }
}
