package io.weft.protocol.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import java.util.List;

/**
 * Frames an NVMe/TCP byte stream into whole PDUs and checks everything about a PDU that does not
 * depend on the command it belongs to: the type is one this side may receive, HLEN is the type's
 * exact header length, only the type's flags are set, PDO and PLEN agree with the negotiated
 * digests and never pad, the data fits the receiver's limit, and the header digest is correct.
 *
 * <p>Each frame is passed on as a retained slice of exactly PLEN bytes. A violation throws {@link
 * TransportException} with the fatal error status and field offset that the termination PDU must
 * carry; header fields are checked in wire order so that the lowest field in error is the one
 * reported. Shared by host and target: the set of receivable types and the data limits are the only
 * difference.
 *
 * <p>At most one PDU is decoded per {@link #decode} call. {@link ByteToMessageDecoder} hands each
 * frame down the pipeline before it calls again, so a handler that answers the ICReq/ICResp with
 * {@link #enableDigests} changes how the very next PDU is checked, even when that PDU arrived in
 * the same read.
 */
public final class PduFrameDecoder extends ByteToMessageDecoder {

  /** The largest data payload a received PDU of each type may carry. */
  public interface Limits {
    long maxDataLength(PduType type);
  }

  private final boolean[] receivable = new boolean[256];
  private final Limits limits;
  private final Crc32cDigest digest = new Crc32cDigest();
  private boolean headerDigest;
  private boolean dataDigest;

  /** The header digest of the PDU at the reader index has been verified; its body is pending. */
  private boolean headerVerified;

  public PduFrameDecoder(Limits limits, PduType... receivableTypes) {
    this.limits = limits;
    for (PduType t : receivableTypes) {
      receivable[t.code] = true;
    }
  }

  /** Called once connection initialization has negotiated digests. */
  public void enableDigests(boolean header, boolean data) {
    this.headerDigest = header;
    this.dataDigest = data;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (in.readableBytes() < Pdu.COMMON_HEADER_SIZE) {
      return;
    }
    int base = in.readerIndex();
    long plen = checkHeader(in, base);
    PduType type = PduType.of(Pdu.type(in, base));
    if (!headerVerified && headerDigest && type.hasHeaderDigest()) {
      // Verify the header digest as soon as it is here: if it is wrong, PLEN cannot be trusted,
      // and waiting for PLEN bytes that may never come would stall the connection.
      int hlen = type.headerLength;
      if (in.readableBytes() < hlen + Pdu.DIGEST_SIZE) {
        return;
      }
      int expected = digest.compute(in, base, hlen);
      int received = in.getIntLE(base + hlen);
      if (expected != received) {
        throw error(in, base, FatalErrorStatus.HEADER_DIGEST_ERROR, hlen, "header digest mismatch");
      }
      headerVerified = true;
    }
    if (in.readableBytes() < plen) {
      return;
    }
    headerVerified = false;
    out.add(in.readRetainedSlice((int) plen));
  }

  /**
   * Validates the common header (and as much of the rest as is known from it) in field order: type
   * (byte 0), flags (1), HLEN (2), PDO (3), PLEN (4). Returns PLEN. Runs as soon as 8 bytes are
   * here, so a bad or oversized PDU is refused before its body is buffered.
   */
  private long checkHeader(ByteBuf in, int base) {
    int code = Pdu.type(in, base);
    PduType type = PduType.of(code);
    if (type == null || !receivable[code]) {
      throw error(in, base, FatalErrorStatus.INVALID_HEADER_FIELD, Pdu.TYPE, "PDU type " + code);
    }
    int flags = Pdu.flags(in, base);
    int hlen = Pdu.hlen(in, base);
    int pdo = Pdu.pdo(in, base);
    long plen = Pdu.plen(in, base);
    boolean isTermReq = type == PduType.H2C_TERM_REQ || type == PduType.C2H_TERM_REQ;
    boolean hdgst = headerDigest && type.hasHeaderDigest();
    int headerEnd = Pdu.dataOffset(type.headerLength, hdgst);
    boolean hasData = type.carriesData() && plen > headerEnd;
    boolean ddgst = dataDigest && hasData;

    if ((flags & ~type.allowedFlags) != 0
        || ((flags & Pdu.FLAG_HDGSTF) != 0) != hdgst
        || (type.carriesData() && ((flags & Pdu.FLAG_DDGSTF) != 0) != ddgst)
        || ((flags & Pdu.FLAG_SUCCESS) != 0 && (flags & Pdu.FLAG_LAST_PDU) == 0)) {
      throw error(
          in, base, FatalErrorStatus.INVALID_HEADER_FIELD, Pdu.FLAGS, type + " flags " + flags);
    }
    if (hlen != type.headerLength) {
      throw error(
          in, base, FatalErrorStatus.INVALID_HEADER_FIELD, Pdu.HLEN, type + " HLEN " + hlen);
    }
    if (isTermReq) {
      if (plen < hlen || plen > hlen + TermReqPdu.MAX_ERROR_DATA) {
        throw error(in, base, FatalErrorStatus.INVALID_HEADER_FIELD, Pdu.PLEN, "PLEN " + plen);
      }
      return plen;
    }
    // H2CData and C2HData always carry data; a CapsuleCmd may or may not. Data starts right after
    // the header and its digest (never padded); without data PDO is 0.
    boolean dataRequired = type == PduType.H2C_DATA || type == PduType.C2H_DATA;
    int expectedPdo = hasData || dataRequired ? headerEnd : 0;
    if (pdo != expectedPdo) {
      throw error(in, base, FatalErrorStatus.INVALID_HEADER_FIELD, Pdu.PDO, type + " PDO " + pdo);
    }
    if (!hasData) {
      if (plen != headerEnd || dataRequired) {
        throw error(
            in, base, FatalErrorStatus.INVALID_HEADER_FIELD, Pdu.PLEN, type + " PLEN " + plen);
      }
      return plen;
    }
    long dataLength = plen - headerEnd - (ddgst ? Pdu.DIGEST_SIZE : 0);
    if (dataLength <= 0) {
      throw error(
          in, base, FatalErrorStatus.INVALID_HEADER_FIELD, Pdu.PLEN, type + " PLEN " + plen);
    }
    if (dataLength > limits.maxDataLength(type)) {
      // More data than this side accepts in one PDU (MAXH2CDATA, in-capsule data size, ...).
      throw error(
          in,
          base,
          FatalErrorStatus.DATA_TRANSFER_LIMIT_EXCEEDED,
          0,
          type + " data length " + dataLength);
    }
    return plen;
  }

  private static TransportException error(ByteBuf in, int base, int fes, int fei, String message) {
    int n = Math.min(in.writerIndex() - base, TermReqPdu.MAX_ERROR_DATA);
    int hlen = Pdu.hlen(in, base);
    if (hlen >= Pdu.COMMON_HEADER_SIZE) {
      n = Math.min(n, hlen);
    }
    byte[] header = ByteBufUtil.getBytes(in, base, n);
    return new TransportException(fes, fei, header, message);
  }

  /**
   * What went wrong, for a handler's {@code exceptionCaught}: Netty wraps exceptions thrown while
   * decoding (our {@link TransportException}s) in a {@code DecoderException}.
   */
  public static Throwable cause(Throwable caught) {
    return caught instanceof DecoderException && caught.getCause() != null
        ? caught.getCause()
        : caught;
  }
}
