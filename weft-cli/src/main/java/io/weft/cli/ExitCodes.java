package io.weft.cli;

/** What {@code weft} exits with. */
public final class ExitCodes {
  /** Done. ({@code weft target} runs until a signal; then the JVM exits 143 or 130.) */
  public static final int OK = 0;

  /**
   * The command was fine but failed: the target could not start (port in use, backend error), the
   * admin API refused the request or could not be reached, or a host command could not connect or
   * got an error status (a host not allowed, an LBA out of range).
   */
  public static final int FAILED = 1;

  /** Bad usage: unknown or invalid flags, or an unreadable or invalid config file. */
  public static final int USAGE = 2;

  private ExitCodes() {}
}
