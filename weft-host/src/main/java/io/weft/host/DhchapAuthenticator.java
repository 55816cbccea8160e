package io.weft.host;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.host.tcp.HostQueue;
import io.weft.protocol.auth.AuthFailure;
import io.weft.protocol.auth.AuthMessage;
import io.weft.protocol.auth.AuthNegotiate;
import io.weft.protocol.auth.AuthProtocol;
import io.weft.protocol.auth.DhGroup;
import io.weft.protocol.auth.DhchapChallenge;
import io.weft.protocol.auth.DhchapHash;
import io.weft.protocol.auth.DhchapReply;
import io.weft.protocol.auth.DhchapResponses;
import io.weft.protocol.auth.DhchapSecret;
import io.weft.protocol.auth.DhchapSuccess1;
import io.weft.protocol.auth.DhchapSuccess2;
import io.weft.protocol.auth.FailureReason;
import io.weft.protocol.auth.FfdheKeyPair;
import io.weft.protocol.auth.InvalidAuthMessage;
import io.weft.protocol.auth.NegotiateDescriptor;
import io.weft.protocol.nvme.Opcodes;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The host's side of DH-HMAC-CHAP (NVMe Base 8.13) on one queue, as a sequence of Authentication
 * Send and Receive commands: Negotiate, Challenge, Reply, Success1 and, when the host makes the
 * controller prove its key too, Success2. The host offers every hash and group (as Linux does) and
 * takes what the controller chooses. Runs on the controller's control thread, never an event loop:
 * a DH exponentiation takes milliseconds.
 */
final class DhchapAuthenticator {
  /** Receive buffer: what the Linux host asks for; a Challenge is at most 16 + 64 + 1,024 bytes. */
  private static final int RECEIVE_LENGTH = 4096;

  private static final SecureRandom RANDOM = new SecureRandom();

  /** S2 numbering: one counter for the process, from a random start, never 0. */
  private static final AtomicInteger SEQUENCE = new AtomicInteger(RANDOM.nextInt());

  private final QueueCommands commands;
  private final String hostNqn;
  private final String subsystemNqn;

  /** T_ID: a counter per controller, as the Linux host keeps one. */
  private final AtomicInteger transactions = new AtomicInteger();

  DhchapAuthenticator(QueueCommands commands, String hostNqn, String subsystemNqn) {
    this.commands = commands;
    this.hostNqn = hostNqn;
    this.subsystemNqn = subsystemNqn;
  }

  /**
   * Authenticates one queue.
   *
   * @param ctrlSecret null for unidirectional authentication
   * @throws AuthenticationException if either side refused
   */
  void authenticate(HostQueue q, int qid, DhchapSecret hostSecret, DhchapSecret ctrlSecret)
      throws IOException {
    int tid = transactions.getAndIncrement() & 0xFFFF;
    String what = "authentication (queue " + qid + ")";
    send(q, new AuthNegotiate(tid, NegotiateDescriptor.everything()), what);
    DhchapChallenge challenge = expect(receive(q, what), DhchapChallenge.class, tid, q, what);
    DhchapHash hash = challenge.hash();
    DhGroup group = challenge.group();
    byte[] z = null;
    byte[] publicValue = new byte[0];
    if (group != DhGroup.NULL) {
      FfdheKeyPair keyPair = FfdheKeyPair.generate(group, RANDOM);
      publicValue = keyPair.publicValue();
      try {
        z = keyPair.sharedSecret(challenge.dhValue(), 16 + hash.length);
      } catch (InvalidAuthMessage e) {
        throw refuse(q, tid, e.explanation(), what + ": the controller's DH value: " + e);
      }
    }
    byte[] hostKey = hostSecret.transformedKey(hostNqn);
    byte[] response =
        DhchapResponses.hostResponse(
            hash,
            hostKey,
            DhchapResponses.augmentedChallenge(hash, challenge.challenge(), z),
            challenge.seqnum(),
            tid,
            AuthProtocol.SC_C_NONE,
            hostNqn,
            subsystemNqn);
    Arrays.fill(hostKey, (byte) 0);
    byte[] c2 = null;
    int s2 = 0;
    if (ctrlSecret != null) {
      c2 = new byte[hash.length];
      RANDOM.nextBytes(c2);
      s2 = nextSequenceNumber();
    }
    send(q, new DhchapReply(tid, response, c2, s2, publicValue), what);
    DhchapSuccess1 success = expect(receive(q, what), DhchapSuccess1.class, tid, q, what);
    if (success.hashLength() != hash.length) {
      throw refuse(
          q, tid, FailureReason.HASH_NOT_USABLE, what + ": Success1 HL " + success.hashLength());
    }
    if (ctrlSecret != null) {
      byte[] ctrlKey = ctrlSecret.transformedKey(subsystemNqn);
      byte[] expected =
          DhchapResponses.controllerResponse(
              hash,
              ctrlKey,
              DhchapResponses.augmentedChallenge(hash, c2, z),
              s2,
              tid,
              subsystemNqn,
              hostNqn);
      Arrays.fill(ctrlKey, (byte) 0);
      byte[] got = success.response();
      if (got == null || !MessageDigest.isEqual(expected, got)) {
        throw refuse(
            q,
            tid,
            FailureReason.FAILED,
            what
                + ": the controller did not prove it holds the controller secret"
                + (got == null ? " (it sent no response)" : " (wrong response)"));
      }
      send(q, new DhchapSuccess2(tid), what);
    }
    if (z != null) {
      Arrays.fill(z, (byte) 0);
    }
  }

  private void send(HostQueue q, AuthMessage m, String what) throws IOException {
    ByteBuf data = Unpooled.buffer(m.size());
    m.encode(data);
    Command c = new Command();
    c.opcode = Opcodes.FABRICS;
    c.fctype = AuthProtocol.FCTYPE_AUTH_SEND;
    c.cdw10 = securityFields();
    c.cdw11 = m.size();
    c.data = data;
    c.dataLength = m.size();
    commands.run(q, c, what + ": " + m.type());
  }

  private AuthMessage receive(HostQueue q, String what) throws IOException {
    ByteBuf data = Unpooled.buffer(RECEIVE_LENGTH);
    Command c = new Command();
    c.opcode = Opcodes.FABRICS;
    c.fctype = AuthProtocol.FCTYPE_AUTH_RECEIVE;
    c.cdw10 = securityFields();
    c.cdw11 = RECEIVE_LENGTH;
    c.data = data;
    c.dataLength = RECEIVE_LENGTH;
    commands.run(q, c, what + ": Authentication Receive");
    try {
      return AuthMessage.decode(data, 0, RECEIVE_LENGTH);
    } catch (InvalidAuthMessage e) {
      throw refuse(q, -1, e.explanation(), what + ": the controller's message: " + e);
    }
  }

  /** SECP E9h in byte 43, SPSP1 and SPSP0 01h in bytes 42 and 41 (CDW10). */
  private static int securityFields() {
    return AuthProtocol.SECP_NVME << 24 | AuthProtocol.SPSP1 << 16 | AuthProtocol.SPSP0 << 8;
  }

  /**
   * The message the exchange needs next. AUTH_Failure1 means the controller refused; any other
   * message, or another transaction's, breaks the protocol (the Linux host then ends the connection
   * without a Failure2, and so does this one).
   */
  private <T extends AuthMessage> T expect(
      AuthMessage m, Class<T> type, int tid, HostQueue q, String what) throws IOException {
    if (m instanceof AuthFailure f) {
      q.close();
      throw new AuthenticationException(
          AuthenticationException.Side.CONTROLLER,
          f.explanation(),
          what
              + ": the controller refused: "
              + describe(f.explanation())
              + (f.explanation() == FailureReason.FAILED
                  ? " (check the host secret and, if given, the controller secret)"
                  : ""));
    }
    if (!type.isInstance(m) || m.transactionId() != tid) {
      q.close();
      throw new AuthenticationException(
          AuthenticationException.Side.HOST,
          FailureReason.INCORRECT_PROTOCOL_MESSAGE,
          what
              + ": expected "
              + type.getSimpleName()
              + " of transaction "
              + tid
              + ", got "
              + m.type()
              + " of transaction "
              + m.transactionId());
    }
    return type.cast(m);
  }

  /** Tells the controller why with AUTH_Failure2, ends the connection and reports it. */
  private AuthenticationException refuse(
      HostQueue q, int tid, FailureReason reason, String message) {
    if (tid >= 0) {
      try {
        send(q, AuthFailure.fromHost(tid, reason), "authentication");
      } catch (IOException | RuntimeException ignored) {
        // The refusal stands whether or not the controller heard it.
      }
    }
    q.close();
    return new AuthenticationException(AuthenticationException.Side.HOST, reason, message);
  }

  static String describe(FailureReason reason) {
    return switch (reason) {
      case FAILED -> "authentication failed";
      case PROTOCOL_NOT_USABLE -> "authentication protocol not usable";
      case CONCATENATION_MISMATCH -> "secure channel concatenation mismatch";
      case HASH_NOT_USABLE -> "no usable hash function";
      case DH_GROUP_NOT_USABLE -> "no usable DH group";
      case INCORRECT_PAYLOAD -> "incorrect payload";
      case INCORRECT_PROTOCOL_MESSAGE -> "incorrect protocol message";
    };
  }

  private static int nextSequenceNumber() {
    int s;
    do {
      s = SEQUENCE.incrementAndGet();
    } while (s == 0);
    return s;
  }
}
