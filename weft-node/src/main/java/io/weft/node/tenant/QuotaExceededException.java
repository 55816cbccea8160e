package io.weft.node.tenant;

import io.weft.node.NodeException;

/** A tenant's volumes would exceed its quota: a capacity refusal (CSI's RESOURCE_EXHAUSTED). */
public final class QuotaExceededException extends NodeException {
  public QuotaExceededException(String message) {
    super(message);
  }
}
