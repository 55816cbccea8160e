package io.weft.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** Test helper turning the callback API into waitable results. */
final class Io {
  private Io() {}

  /** Generous: only a hung backend should ever get near it. */
  static final long TIMEOUT_SECONDS = 60;

  /** The outcome of one request: its status and the thread that completed it. */
  record Completion(int status, Thread thread) {}

  /** A callback that can be waited for and that fails the wait if it is called twice. */
  static final class Pending implements IoCallback {
    private final CompletableFuture<Completion> future = new CompletableFuture<>();
    private final AtomicInteger calls = new AtomicInteger();

    @Override
    public void complete(int blockStatus) {
      if (calls.incrementAndGet() > 1) {
        future.obtrudeException(new AssertionError("callback called more than once"));
        return;
      }
      future.complete(new Completion(blockStatus, Thread.currentThread()));
    }

    boolean isDone() {
      return future.isDone();
    }

    Completion await() {
      try {
        return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      } catch (ExecutionException e) {
        throw new AssertionError(e.getCause());
      } catch (TimeoutException e) {
        return fail("no completion within " + TIMEOUT_SECONDS + " s");
      }
    }

    int status() {
      return await().status();
    }
  }

  /** Issues a request and waits for its completion. */
  static Completion call(Consumer<IoCallback> request) {
    Pending pending = new Pending();
    request.accept(pending);
    return pending.await();
  }

  /** Issues a request, waits, and returns its status. */
  static int status(Consumer<IoCallback> request) {
    return call(request).status();
  }

  /** Issues a request and asserts that it succeeds. */
  static void ok(Consumer<IoCallback> request) {
    assertStatus(BlockStatus.OK, status(request));
  }

  static void assertStatus(int expected, int actual) {
    assertEquals(BlockStatus.describe(expected), BlockStatus.describe(actual), "block status");
  }
}
