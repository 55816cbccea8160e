package io.weft.store;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One key as the store holds it, with etcd's revision bookkeeping: the store revision that created
 * it, the one that last changed it, how many times it changed since creation, and the lease it is
 * attached to (0: none).
 */
public record KeyValue(
    String key, byte[] value, long createRevision, long modRevision, long version, long lease) {

  public KeyValue {
    value = value.clone();
  }

  @Override
  public byte[] value() {
    return value.clone();
  }

  public String valueAsString() {
    return new String(value, StandardCharsets.UTF_8);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyValue kv
        && key.equals(kv.key)
        && Arrays.equals(value, kv.value)
        && createRevision == kv.createRevision
        && modRevision == kv.modRevision
        && version == kv.version
        && lease == kv.lease;
  }

  @Override
  public int hashCode() {
    return key.hashCode() * 31 + Long.hashCode(modRevision);
  }

  @Override
  public String toString() {
    return key
        + "="
        + valueAsString()
        + " (create "
        + createRevision
        + ", mod "
        + modRevision
        + ", version "
        + version
        + (lease != 0 ? ", lease " + Long.toHexString(lease) : "")
        + ")";
  }
}
