package io.weft.protocol.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Vector;
import org.bouncycastle.tls.AbstractTlsClient;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.BasicTlsPSKExternal;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsFatalAlert;

/**
 * The host side of one TLS 1.3 PSK handshake: offers one identity ({@code NVMe0R0h <hostnqn>
 * <subnqn>}) with its derived TLS PSK and only the cipher suite of the PSK's hash. A server that
 * answers with a certificate instead is refused.
 */
final class PskTlsClient extends AbstractTlsClient {
  private final PskIdentity identity;
  private final byte[] tlsPsk;

  PskTlsClient(PskIdentity identity, byte[] tlsPsk) {
    super(BcCrypto.CRYPTO);
    this.identity = identity;
    this.tlsPsk = tlsPsk;
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

  @Override
  protected ProtocolVersion[] getSupportedVersions() {
    return ProtocolVersion.TLSv13.only();
  }

  @Override
  protected int[] getSupportedCipherSuites() {
    return new int[] {identity.hash().cipherSuite};
  }

  @Override
  public Vector getExternalPSKs() {
    Vector<Object> v = new Vector<>(1);
    v.add(
        new BasicTlsPSKExternal(
            identity.format().getBytes(StandardCharsets.UTF_8),
            getCrypto().createSecret(tlsPsk),
            identity.hash().prf));
    return v;
  }

  @Override
  public TlsAuthentication getAuthentication() throws IOException {
    throw new TlsFatalAlert(
        AlertDescription.handshake_failure,
        "the target did not accept the PSK " + identity.format());
  }
}
