package io.weft.protocol.tls;

import java.io.IOException;
import org.bouncycastle.tls.AlertDescription;

/**
 * A failure of the TLS record layer after the handshake, with the alert (RFC 8446 §6.2, Bouncy
 * Castle's {@link AlertDescription} numbers) that tells the peer before the connection closes.
 */
final class RecordException extends IOException {
  private final short alert;

  RecordException(short alert, String message) {
    super(message + " (" + AlertDescription.getText(alert) + ")");
    this.alert = alert;
  }

  short alert() {
    return alert;
  }
}
