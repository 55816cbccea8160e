package io.weft.host.testing;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * A loopback TCP relay in front of a target that reads the host's PDUs as they pass and, once
 * armed, cuts the connection the moment a command capsule matches: a connection lost at an exact
 * point of the protocol, which timing alone cannot give a test.
 */
public final class CuttingRelay implements AutoCloseable {
  private static final int CAPSULE_COMMAND = 0x04;

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile Predicate<ByteBuffer> cutOn = sqe -> false;

  public CuttingRelay(InetSocketAddress target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().start(this::acceptLoop);
  }

  public int port() {
    return server.getLocalPort();
  }

  /**
   * Cuts the next connection whose host sends a command (its 64-byte SQE, little endian) that
   * matches.
   */
  public void cutWhen(Predicate<ByteBuffer> sqe) {
    cutOn = sqe;
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket host = server.accept();
        Socket tgt = new Socket(target.getAddress(), target.getPort());
        sockets.add(host);
        sockets.add(tgt);
        Thread.ofVirtual().start(() -> hostToTarget(host, tgt));
        Thread.ofVirtual().start(() -> copy(tgt, host));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void hostToTarget(Socket host, Socket tgt) {
    try (DataInputStream in = new DataInputStream(host.getInputStream())) {
      OutputStream out = tgt.getOutputStream();
      byte[] header = new byte[8];
      while (true) {
        in.readFully(header);
        int plen = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getInt(4);
        byte[] pdu = new byte[plen];
        System.arraycopy(header, 0, pdu, 0, 8);
        in.readFully(pdu, 8, plen - 8);
        if ((header[0] & 0xFF) == CAPSULE_COMMAND && plen >= 72) {
          ByteBuffer sqe = ByteBuffer.wrap(pdu, 8, 64).slice().order(ByteOrder.LITTLE_ENDIAN);
          if (cutOn.test(sqe)) {
            cutOn = s -> false;
            host.close();
            tgt.close();
            return;
          }
        }
        out.write(pdu);
      }
    } catch (IOException e) {
      close(host, tgt);
    }
  }

  private static void copy(Socket from, Socket to) {
    try (InputStream in = from.getInputStream()) {
      in.transferTo(to.getOutputStream());
    } catch (IOException e) {
      // either side went away
    }
    close(from, to);
  }

  private static void close(Socket a, Socket b) {
    try {
      a.close();
      b.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
