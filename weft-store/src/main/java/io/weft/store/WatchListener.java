package io.weft.store;

import java.util.List;

/**
 * Receives a watch's events in revision order, one batch per store revision, on a thread of the
 * store's (never under its locks). {@link #onError} ends the watch: for example a start revision
 * that was compacted away, or a store that was closed.
 */
public interface WatchListener {
  void onEvents(List<WatchEvent> events);

  default void onError(StoreException error) {}
}
