package io.weft.csi;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.weft.node.NodeException;
import io.weft.node.tenant.QuotaExceededException;
import io.weft.node.volume.NoCapacityException;
import io.weft.store.StoreException;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a CSI call answers: its result, or the gRPC status the CSI spec names for what went wrong.
 * Also keeps one call per volume at a time, as the spec asks (a second one gets ABORTED and the
 * orchestrator retries it).
 */
final class Calls {
  private static final Logger LOG = LoggerFactory.getLogger(Calls.class);

  private final Set<String> busy = ConcurrentHashMap.newKeySet();

  /**
   * The work of one call. It may wait on the node's tools and be interrupted: an I/O failure
   * answers INTERNAL with its message, an interruption ABORTED (the orchestrator retries).
   */
  @FunctionalInterface
  interface Work<T> {
    T run() throws IOException, InterruptedException;
  }

  /** Answers {@code response} with what {@code call} returns, or with the status of its failure. */
  static <T> void answer(StreamObserver<T> response, Work<T> call) {
    T result;
    try {
      result = call.run();
    } catch (StatusRuntimeException e) {
      response.onError(e);
      return;
    } catch (RuntimeException | IOException e) {
      response.onError(status(e).asRuntimeException());
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      response.onError(error(Status.ABORTED, "interrupted"));
      return;
    }
    response.onNext(result);
    response.onCompleted();
  }

  /** Runs {@code call} unless another call on {@code volumeId} is under way. */
  <T> T exclusive(String volumeId, Work<T> call) throws IOException, InterruptedException {
    if (!busy.add(volumeId)) {
      throw error(Status.ABORTED, "an operation on volume '" + volumeId + "' is under way");
    }
    try {
      return call.run();
    } finally {
      busy.remove(volumeId);
    }
  }

  /** A field the request must fill: INVALID_ARGUMENT naming it when empty. */
  static String required(String value, String what) {
    if (value.isEmpty()) {
      throw error(Status.INVALID_ARGUMENT, "no " + what);
    }
    return value;
  }

  static StatusRuntimeException error(Status status, String message) {
    return status.withDescription(message).asRuntimeException();
  }

  private static Status status(Exception e) {
    if (e instanceof NoCapacityException || e instanceof QuotaExceededException) {
      return Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage());
    }
    if (e instanceof StoreException s) {
      return (s.kind() == StoreException.Kind.UNAVAILABLE ? Status.UNAVAILABLE : Status.INTERNAL)
          .withDescription("cluster store: " + e.getMessage());
    }
    if (e instanceof NodeException) {
      return Status.FAILED_PRECONDITION.withDescription(e.getMessage());
    }
    LOG.warn("CSI call failed", e);
    return Status.INTERNAL.withDescription(e.toString());
  }
}
