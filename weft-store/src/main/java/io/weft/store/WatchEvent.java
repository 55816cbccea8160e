package io.weft.store;

/**
 * A change under a watched prefix. For a delete, {@code kv} carries the key, an empty value and the
 * revision of the delete as its mod revision.
 */
public record WatchEvent(Type type, KeyValue kv) {
  public enum Type {
    PUT,
    DELETE
  }

  public long revision() {
    return kv.modRevision();
  }
}
