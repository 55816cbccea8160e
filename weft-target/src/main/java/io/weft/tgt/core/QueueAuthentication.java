package io.weft.tgt.core;

import io.netty.buffer.ByteBuf;
import io.weft.protocol.auth.AuthFailure;
import io.weft.protocol.auth.AuthMessage;
import io.weft.protocol.auth.AuthMessageType;
import io.weft.protocol.auth.AuthNegotiate;
import io.weft.protocol.auth.AuthProtocol;
import io.weft.protocol.auth.DhGroup;
import io.weft.protocol.auth.DhchapChallenge;
import io.weft.protocol.auth.DhchapHash;
import io.weft.protocol.auth.DhchapReply;
import io.weft.protocol.auth.DhchapResponses;
import io.weft.protocol.auth.DhchapSuccess1;
import io.weft.protocol.auth.DhchapSuccess2;
import io.weft.protocol.auth.FailureReason;
import io.weft.protocol.auth.FfdheKeyPair;
import io.weft.protocol.auth.InvalidAuthMessage;
import io.weft.protocol.auth.NegotiateDescriptor;
import io.weft.tgt.config.DhchapKeys;
import io.weft.tgt.config.DhchapPolicy;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's side of DH-HMAC-CHAP on one queue (NVMe Base 8.13): which message it expects
 * next, what it chose, and whether the queue is authenticated. The host drives it with
 * Authentication Send (its messages) and Authentication Receive (asking for ours); a message out of
 * turn or one that fails a check moves it to a failure, which the next Receive reports as
 * AUTH_Failure1 before the connection ends, as nvmet does.
 *
 * <p>A queue is authenticated once the host's response is verified (unidirectional) or once the
 * host accepted the controller's response with Success2 (bidirectional). A new Negotiate starts
 * re-authentication at any time; the queue stays usable meanwhile, and a failure ends it.
 *
 * <p>Methods run on the target's authentication threads (the DH exponentiations take milliseconds,
 * too long for an event loop) and are synchronized: a host may not have two exchanges going.
 */
final class QueueAuthentication {
  private static final Logger log = LoggerFactory.getLogger(QueueAuthentication.class);

  /** Where a Reply's DH value starts, for refusals: after the header, R1 and C2. */
  private static final int REPLY_HEADER = 16;

  /** What the controller expects next. */
  enum Step {
    NEGOTIATE,
    CHALLENGE,
    REPLY,
    SUCCESS1,
    SUCCESS2,
    FAILURE1
  }

  /** The subsystem, host and target facts an exchange needs. */
  interface Context {
    /** The keys the subsystem holds for the host now, or null if it holds none. */
    HostKeyring keyring();

    DhchapPolicy policy();

    /** S1: a sequence number that is never 0. */
    int nextSequenceNumber();

    SecureRandom random();

    String subsystemNqn();

    /** Counts a failed exchange (for the metrics). */
    void failed();

    String hostNqn();

    /** For logs: the queue and where it comes from. */
    String describeQueue();
  }

  /** What an Authentication Receive answers, and whether the connection ends after it. */
  record Answer(AuthMessage message, boolean thenClose) {}

  private final Context context;
  private volatile boolean authenticated;
  private Step step = Step.NEGOTIATE;
  private int transactionId;
  private DhchapHash hash;
  private DhGroup group;
  private List<DhchapKeys> acceptedKeys;
  private FfdheKeyPair keyPair;
  private byte[] challenge;
  private int seqnum;
  private byte[] controllerResponse;
  private FailureReason failure;

  QueueAuthentication(Context context) {
    this.context = context;
  }

  /** Whether commands other than authentication may run on this queue. Any thread. */
  boolean authenticated() {
    return authenticated;
  }

  /**
   * Whether the next Send or Receive may compute a DH exponentiation (milliseconds of CPU): the
   * Challenge the controller makes, or the Reply it checks, with a DH group.
   */
  synchronized boolean exponentiates(boolean send) {
    return group != null
        && group != DhGroup.NULL
        && (send ? step == Step.REPLY : step == Step.CHALLENGE);
  }

  /**
   * Exchange steps handed to the authentication threads and not finished: while there are any, the
   * queue's loop hands further steps over too rather than wait for this object's lock.
   */
  final AtomicInteger handedOver = new AtomicInteger();

  /**
   * Takes the message of an Authentication Send.
   *
   * @return true if the connection must end now: the host gave up (AUTH_Failure2)
   */
  synchronized boolean send(ByteBuf buf, int offset, int length) {
    AuthMessage message;
    try {
      message = AuthMessage.decode(buf, offset, length);
    } catch (InvalidAuthMessage e) {
      fail(e.explanation(), e.getMessage());
      return false;
    }
    try {
      switch (message) {
        case AuthNegotiate n -> negotiate(n);
        case DhchapReply r when step == Step.REPLY -> reply(r);
        case DhchapSuccess2 s when step == Step.SUCCESS2 -> success2(s);
        case AuthFailure f when f.type() == AuthMessageType.FAILURE2 -> {
          log.info(
              "authentication: host {} on {} ended the exchange: {}",
              context.hostNqn(),
              context.describeQueue(),
              f.explanation());
          authenticated = false;
          reset();
          return true;
        }
        default ->
            fail(FailureReason.INCORRECT_PROTOCOL_MESSAGE, message.type() + " while in " + step);
      }
    } catch (InvalidAuthMessage e) {
      fail(e.explanation(), e.getMessage());
    }
    return false;
  }

  /**
   * Answers an Authentication Receive of {@code allocationLength} bytes.
   *
   * @return the message, or null if it does not fit (nothing changes; the host may ask again)
   */
  synchronized Answer receive(int allocationLength) {
    return switch (step) {
      case CHALLENGE -> challenge(allocationLength);
      case SUCCESS1 -> success1(allocationLength);
      case FAILURE1 -> failure1();
      default -> {
        fail(FailureReason.INCORRECT_PROTOCOL_MESSAGE, "Authentication Receive while in " + step);
        yield failure1();
      }
    };
  }

  private void negotiate(AuthNegotiate n) throws InvalidAuthMessage {
    transactionId = n.transactionId();
    if (n.scC() != AuthProtocol.SC_C_NONE) {
      throw new InvalidAuthMessage(
          FailureReason.CONCATENATION_MISMATCH, 6, "secure channel concatenation not offered");
    }
    NegotiateDescriptor offer = n.descriptors().get(0);
    DhchapPolicy policy = context.policy();
    DhchapHash h = policy.chooseHash(offer.hashIds());
    if (h == null) {
      throw new InvalidAuthMessage(
          FailureReason.HASH_NOT_USABLE,
          12,
          "no hash both sides allow (host offers " + offer.hashIds() + ")");
    }
    DhGroup g = policy.chooseGroup(offer.dhGroupIds());
    if (g == null) {
      throw new InvalidAuthMessage(
          FailureReason.DH_GROUP_NOT_USABLE,
          42,
          "no DH group both sides allow (host offers " + offer.dhGroupIds() + ")");
    }
    // Keys are read at every Negotiate, so a re-authentication sees a rotation at once.
    HostKeyring ring = context.keyring();
    if (ring == null) {
      throw new InvalidAuthMessage(FailureReason.FAILED, 0, "no secret for this host");
    }
    hash = h;
    group = g;
    acceptedKeys = ring.accepted(System.currentTimeMillis());
    step = Step.CHALLENGE;
  }

  private Answer challenge(int allocationLength) {
    int size = 16 + hash.length + group.valueLength;
    if (allocationLength < size) {
      return null;
    }
    challenge = new byte[hash.length];
    context.random().nextBytes(challenge);
    seqnum = context.nextSequenceNumber();
    byte[] publicValue = new byte[0];
    if (group != DhGroup.NULL) {
      keyPair = FfdheKeyPair.generate(group, context.random());
      publicValue = keyPair.publicValue();
    }
    step = Step.REPLY;
    return new Answer(
        new DhchapChallenge(transactionId, hash, group, seqnum, challenge, publicValue), false);
  }

  private void reply(DhchapReply r) throws InvalidAuthMessage {
    requireTransaction(r.transactionId());
    r.requireMatches(hash, group);
    byte[] z =
        keyPair == null ? null : keyPair.sharedSecret(r.dhValue(), REPLY_HEADER + 2 * hash.length);
    String host = context.hostNqn();
    String subsystem = context.subsystemNqn();
    DhchapKeys matched = null;
    byte[] ca1 = DhchapResponses.augmentedChallenge(hash, challenge, z);
    byte[] received = r.response();
    for (DhchapKeys keys : acceptedKeys) {
      byte[] key = keys.host().transformedKey(host);
      byte[] expected =
          DhchapResponses.hostResponse(
              hash, key, ca1, seqnum, transactionId, AuthProtocol.SC_C_NONE, host, subsystem);
      Arrays.fill(key, (byte) 0);
      if (MessageDigest.isEqual(expected, received)) {
        matched = keys;
        break;
      }
    }
    if (matched == null) {
      wipe(z);
      throw new InvalidAuthMessage(FailureReason.FAILED, REPLY_HEADER, "host response mismatch");
    }
    if (r.bidirectional()) {
      if (matched.controller() == null) {
        wipe(z);
        throw new InvalidAuthMessage(
            FailureReason.FAILED,
            8,
            "the host asks the controller to authenticate, but no controller secret is set");
      }
      byte[] key = matched.controller().transformedKey(subsystem);
      byte[] ca2 = DhchapResponses.augmentedChallenge(hash, r.controllerChallenge(), z);
      controllerResponse =
          DhchapResponses.controllerResponse(
              hash, key, ca2, r.seqnum(), transactionId, subsystem, host);
      Arrays.fill(key, (byte) 0);
    } else {
      controllerResponse = null;
      authenticated = true;
    }
    wipe(z);
    keyPair = null;
    step = Step.SUCCESS1;
    if (matched != acceptedKeys.get(0)) {
      log.info(
          "authentication: host {} on {} used its previous key (accepted until the rotation's"
              + " grace window ends)",
          host,
          context.describeQueue());
    }
  }

  private Answer success1(int allocationLength) {
    DhchapSuccess1 m = new DhchapSuccess1(transactionId, hash.length, controllerResponse);
    if (allocationLength < m.size()) {
      return null;
    }
    step = controllerResponse == null ? Step.NEGOTIATE : Step.SUCCESS2;
    controllerResponse = null;
    return new Answer(m, false);
  }

  private void success2(DhchapSuccess2 s) throws InvalidAuthMessage {
    requireTransaction(s.transactionId());
    authenticated = true;
    reset();
  }

  private Answer failure1() {
    Answer a = new Answer(AuthFailure.fromController(transactionId, failure), true);
    authenticated = false;
    reset();
    return a;
  }

  private void fail(FailureReason reason, String detail) {
    context.failed();
    log.info(
        "authentication failed: host {} on {} subsystem {}: {}",
        context.hostNqn(),
        context.describeQueue(),
        context.subsystemNqn(),
        detail);
    failure = reason;
    keyPair = null;
    controllerResponse = null;
    step = Step.FAILURE1;
  }

  private void requireTransaction(int tid) throws InvalidAuthMessage {
    if (tid != transactionId) {
      throw new InvalidAuthMessage(
          FailureReason.INCORRECT_PAYLOAD,
          4,
          "transaction " + tid + " where " + transactionId + " was expected");
    }
  }

  private void reset() {
    step = Step.NEGOTIATE;
    keyPair = null;
    challenge = null;
    controllerResponse = null;
    acceptedKeys = null;
  }

  private static void wipe(byte[] b) {
    if (b != null) {
      Arrays.fill(b, (byte) 0);
    }
  }
}
