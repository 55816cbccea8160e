package io.weft.protocol.tls;

import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.crypto.TlsSecret;

/**
 * The application traffic secrets as they stood when Bouncy Castle finished the handshake. Its
 * engine handles every message of a record, so a KeyUpdate packed behind Finished in the same
 * record would move a secret on before the record layer takes over; comparing against these shows
 * it (and such a record breaks RFC 8446 §5.1: a key change must end its record).
 */
final class FinishedSecrets {
  private TlsSecret client;
  private TlsSecret server;

  void capture(SecurityParameters sp) {
    client = sp.getTrafficSecretClient();
    server = sp.getTrafficSecretServer();
  }

  boolean moved(SecurityParameters sp) {
    return sp.getTrafficSecretClient() != client || sp.getTrafficSecretServer() != server;
  }
}
