package io.weft.protocol.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.Vector;
import org.bouncycastle.tls.AbstractTlsServer;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.BasicTlsPSKExternal;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsPSKExternal;

/**
 * The target side of one TLS 1.3 PSK handshake (Bouncy Castle's TLS API). The host offers NVMe PSK
 * identities; the first one whose host has a configured key is chosen, its TLS PSK derived, and the
 * cipher suite narrowed to the PSK's hash (a SHA-384 PSK can only go with TLS_AES_256_GCM_SHA384).
 * No identity known: no PSK, no certificate, the handshake fails.
 */
final class PskTlsServer extends AbstractTlsServer {
  private final PskKeyring keys;
  private PskIdentity chosen;
  private byte[] chosenPsk;
  private String offered = "";
  private String refusal;

  PskTlsServer(PskKeyring keys) {
    super(BcCrypto.CRYPTO);
    this.keys = keys;
  }

  /** The identity the handshake settled on, once it has. */
  PskIdentity identity() {
    return chosen;
  }

  /** The finished handshake's parameters (cipher suite, traffic secrets), once it is done. */
  SecurityParameters connection() {
    return context.getSecurityParametersConnection();
  }

  /** The traffic secrets as the handshake left them. */
  final FinishedSecrets finished = new FinishedSecrets();

  @Override
  public void notifyHandshakeComplete() throws IOException {
    super.notifyHandshakeComplete();
    finished.capture(context.getSecurityParametersConnection());
  }

  /** What the host offered, for logs ("" before its ClientHello). */
  String offered() {
    return offered;
  }

  /** Why no identity was chosen, or null. */
  String refusal() {
    return refusal;
  }

  @Override
  protected ProtocolVersion[] getSupportedVersions() {
    return ProtocolVersion.TLSv13.only();
  }

  @Override
  protected int[] getSupportedCipherSuites() {
    return new int[] {PskHash.SHA256.cipherSuite, PskHash.SHA384.cipherSuite};
  }

  // Bouncy Castle asks for the PSK before it hands over the other extensions and picks the
  // cipher suite, so the identity is chosen here and the suite narrowed just after.
  @Override
  public TlsPSKExternal getExternalPSK(Vector identities) {
    StringBuilder names = new StringBuilder();
    for (Object o : identities) {
      String text =
          new String(((org.bouncycastle.tls.PskIdentity) o).getIdentity(), StandardCharsets.UTF_8);
      if (!names.isEmpty()) {
        names.append(", ");
      }
      names.append('\'').append(printable(text)).append('\'');
      if (chosen != null) {
        continue;
      }
      try {
        PskIdentity id = PskIdentity.parse(text);
        byte[] psk = keys.tlsPsk(id);
        if (psk == null) {
          refusal = "no TLS key for host " + id.hostNqn() + " with hash " + id.hash();
          continue;
        }
        chosen = id;
        chosenPsk = psk;
      } catch (IllegalArgumentException e) {
        refusal = e.getMessage();
      }
    }
    offered = names.toString();
    if (chosen == null) {
      return null;
    }
    refusal = null;
    try {
      return new BasicTlsPSKExternal(
          text(chosen), getCrypto().createSecret(chosenPsk), chosen.hash().prf);
    } finally {
      Arrays.fill(chosenPsk, (byte) 0);
    }
  }

  @Override
  public void processClientExtensions(Hashtable clientExtensions) throws IOException {
    super.processClientExtensions(clientExtensions);
    if (chosen != null) {
      cipherSuites = new int[] {chosen.hash().cipherSuite};
    } else if (refusal == null) {
      refusal = "no PSK offered";
    }
  }

  private static byte[] text(PskIdentity id) {
    return id.format().getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public TlsCredentials getCredentials() throws IOException {
    // Reached only when no PSK was selected: this listener has no certificate to fall back on.
    throw new TlsFatalAlert(
        AlertDescription.handshake_failure, refusal != null ? refusal : "no PSK selected");
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && i < 300; i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c < 0x7F ? c : '?');
    }
    return b.toString();
  }
}
