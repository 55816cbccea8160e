package io.weft.cli;

/** One-line descriptions of exceptions for people. */
final class Errors {
  private Errors() {}

  /**
   * The message of {@code e}, followed by the deepest cause's message when that adds something
   * (e.g. "bind failed: Address already in use").
   */
  static String describe(Throwable e) {
    String message = messageOf(e);
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root != e) {
      String rootMessage = messageOf(root);
      if (!message.contains(rootMessage)) {
        message = message + ": " + rootMessage;
      }
    }
    return message;
  }

  private static String messageOf(Throwable e) {
    String m = e.getMessage();
    if (m == null || m.isBlank()) {
      return e.getClass().getSimpleName();
    }
    return m.strip().lines().findFirst().orElse(m);
  }
}
