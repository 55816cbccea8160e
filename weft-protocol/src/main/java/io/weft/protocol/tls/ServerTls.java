package io.weft.protocol.tls;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLException;

/**
 * A listener's TLS, ready to put in front of each accepted connection's PDU decoder: nothing, the
 * PSK handler, or an {@code SslHandler} requiring a trusted client certificate. Refused handshakes
 * are logged through one {@link RejectionLog} per listener.
 */
public final class ServerTls {
  /** The name of the TLS handler in a connection's pipeline. */
  public static final String HANDLER = "tls";

  private final TlsMode mode;
  private final PskKeyring keys;
  private final SslContext certContext;
  private final RejectionLog rejections = new RejectionLog();

  private ServerTls(TlsMode mode, PskKeyring keys, SslContext certContext) {
    this.mode = mode;
    this.keys = keys;
    this.certContext = certContext;
  }

  /**
   * Prepares a listener's TLS; refuses a mode its credentials cannot serve (tls=psk with no key,
   * tls=cert with no or unreadable certificate files), with a message saying what to add.
   */
  public static ServerTls of(TlsMode mode, TlsCredentials credentials) {
    TlsCredentials c = credentials == null ? TlsCredentials.NONE : credentials;
    switch (mode == null ? TlsMode.NONE : mode) {
      case NONE -> {
        return new ServerTls(TlsMode.NONE, null, null);
      }
      case PSK -> {
        if (c.psk().isEmpty()) {
          throw new IllegalArgumentException(
              "a tls=psk listener needs at least one --tls-key HOSTNQN=NVMeTLSkey-1:...");
        }
        return new ServerTls(TlsMode.PSK, c.psk(), null);
      }
      case CERT -> {
        if (c.certs() == null) {
          throw new IllegalArgumentException(
              "a tls=cert listener needs --tls-cert, --tls-private-key and --tls-ca");
        }
        try {
          return new ServerTls(TlsMode.CERT, null, c.certs().serverContext());
        } catch (SSLException | IllegalArgumentException e) {
          throw new IllegalArgumentException("TLS certificate files: " + e.getMessage(), e);
        }
      }
      default -> throw new IllegalStateException();
    }
  }

  public TlsMode mode() {
    return mode;
  }

  /** Puts this listener's TLS first in a new connection's pipeline. */
  public void install(Channel ch) {
    switch (mode) {
      case NONE -> {}
      case PSK -> ch.pipeline().addFirst(HANDLER, BcTlsHandler.server(keys, rejections));
      case CERT -> {
        ch.pipeline().addFirst("tls-refusals", new CertRefusals(rejections));
        ch.pipeline().addFirst(HANDLER, certContext.newHandler(ch.alloc()));
      }
    }
  }

  /** Reports a failed certificate handshake once (the SslHandler closes the connection). */
  private static final class CertRefusals extends ChannelInboundHandlerAdapter {
    private final RejectionLog rejections;

    CertRefusals(RejectionLog rejections) {
      this.rejections = rejections;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof SslHandshakeCompletionEvent done) {
        if (!done.isSuccess()) {
          Object a = ctx.channel().remoteAddress();
          String address =
              a instanceof InetSocketAddress isa
                  ? isa.getAddress().getHostAddress()
                  : String.valueOf(a);
          Throwable cause = done.cause();
          while (cause.getCause() != null && cause.getMessage() == null) {
            cause = cause.getCause();
          }
          rejections.refused(address, "certificate", String.valueOf(cause.getMessage()));
        }
        ctx.pipeline().remove(this);
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause.getCause() instanceof SSLException || cause instanceof SSLException) {
        ctx.close(); // reported by the completion event
        return;
      }
      ctx.fireExceptionCaught(cause);
    }
  }
}
