package io.weft.store;

/**
 * A cluster store call failed. {@link Kind} tells a caller what it can do about it: retry later
 * ({@code UNAVAILABLE}), start over from a current read ({@code COMPACTED}), re-grant a lease
 * ({@code LEASE_NOT_FOUND}), or nothing ({@code CLOSED}, {@code CORRUPT}).
 */
public class StoreException extends RuntimeException {
  public enum Kind {
    UNAVAILABLE,
    COMPACTED,
    LEASE_NOT_FOUND,
    CLOSED,
    CORRUPT,
    LOCKED
  }

  private final Kind kind;

  public StoreException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public StoreException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
