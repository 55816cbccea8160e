package io.weft.block.atrest;

import java.io.IOException;

/** An encrypted volume's data key cannot be unwrapped with the at-rest key given. */
public final class WrongKeyException extends IOException {
  public WrongKeyException(String message) {
    super(message);
  }
}
