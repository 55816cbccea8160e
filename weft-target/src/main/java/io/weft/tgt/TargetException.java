package io.weft.tgt;

/** A management request the target refused; {@link #kind()} says why, for mapping to HTTP. */
public final class TargetException extends Exception {
  public enum Kind {
    /** The named subsystem or namespace does not exist. */
    NOT_FOUND,
    /** It exists already, or conflicts with what exists. */
    CONFLICT,
    /** The request itself is malformed or out of range. */
    INVALID,
    /** The backend could not be opened or created. */
    BACKEND
  }

  private final Kind kind;

  public TargetException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public TargetException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
