package io.weft.node;

/** A node cannot start or act as asked; the message says why in a user's terms. */
public class NodeException extends RuntimeException {
  public NodeException(String message) {
    super(message);
  }

  public NodeException(String message, Throwable cause) {
    super(message, cause);
  }
}
