package io.weft.block;

/** Completion of one block I/O; called exactly once with a {@link BlockStatus} value. */
@FunctionalInterface
public interface IoCallback {
  void complete(int blockStatus);
}
