package io.weft.node;

import io.weft.store.StoreException;
import io.weft.tgt.admin.HttpError;
import io.weft.tgt.admin.Router;

/**
 * The cluster view needs the store: while it does not answer, a request for that view gets a 503
 * that says so (and what still works), not an internal error.
 */
public final class StoreUnavailable {
  private StoreUnavailable() {}

  /** {@code handler}, with a store that cannot be reached answered as 503. */
  public static Router.Handler guard(Router.Handler handler) {
    return request -> {
      try {
        return handler.handle(request);
      } catch (StoreException e) {
        throw new HttpError(
            503,
            "the cluster store is unavailable ("
                + e.getMessage()
                + "); volumes stay served by their owners while their leases hold, and no"
                + " ownership changes until it is back");
      }
    };
  }
}
