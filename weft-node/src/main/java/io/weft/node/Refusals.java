package io.weft.node;

import io.weft.tgt.admin.HttpError;

/**
 * How the node's API answers a refusal of the cluster's rules ({@link NodeException}): 404 when the
 * thing named does not exist, 409 with the reason otherwise.
 */
public final class Refusals {
  private Refusals() {}

  /** A call that may refuse. */
  public interface Call<T> {
    T run();
  }

  /**
   * Runs {@code call}; a refusal whose message starts with {@code notFound} (e.g. "no volume")
   * becomes 404, any other 409.
   */
  public static <T> T refusing(String notFound, Call<T> call) {
    try {
      return call.run();
    } catch (NodeException e) {
      throw new HttpError(e.getMessage().startsWith(notFound) ? 404 : 409, e.getMessage());
    }
  }
}
