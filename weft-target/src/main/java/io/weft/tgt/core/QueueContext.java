package io.weft.tgt.core;

import io.netty.buffer.ByteBufAllocator;

/**
 * What the transport-independent core needs from one queue (one NVMe/TCP connection). Implemented
 * by each transport; every method but {@link #execute} and {@link #inEventLoop} is called on the
 * queue's own event loop.
 */
public interface QueueContext {
  /** Queue ID: 0 admin, 1.. I/O; -1 before Connect. */
  int qid();

  /** The controller this queue belongs to, or null before Connect. */
  Controller controller();

  /** Binds the queue to its controller after a successful Connect. */
  void bind(Controller controller, int qid, int sqSize, boolean sqFlowControlDisabled);

  /** Sends the completion (and any C2H data) of a finished request, then frees its slot. */
  void complete(Request request);

  /** Closes the connection (controller loss, shutdown, removal). Any thread. */
  void close(String reason);

  /**
   * Closes the connection once what was written so far reached the socket: an answer that ends a
   * connection (AUTH_Failure1) still arrives. Any thread.
   */
  default void closeAfterFlush(String reason) {
    close(reason);
  }

  /** Runs a task on this queue's event loop. Any thread. */
  void execute(Runnable task);

  boolean inEventLoop();

  /** Runs a task on this queue's event loop after {@code delayNanos} (an I/O held back by QoS). */
  void schedule(Runnable task, long delayNanos);

  ByteBufAllocator alloc();

  /** The peer's address, for logs and management. */
  String remoteAddress();

  /** The local port that accepted this connection (a discovery log lists every port). */
  PortInfo port();

  /** {@link System#nanoTime()} of the last command received; any thread (keep-alive timer). */
  long lastActivityNanos();

  /** {@link System#nanoTime()} when the connection was accepted (connect latency). */
  long openedNanos();

  /**
   * Commands received and not yet answered. Read from other threads (the metrics endpoint) without
   * synchronisation, so it may be a moment old.
   */
  int inFlight();

  /** Submission queue entries granted at Connect: the most commands the host may have in flight. */
  int queueSize();
}
