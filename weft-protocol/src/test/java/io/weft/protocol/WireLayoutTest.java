package io.weft.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.weft.protocol.discovery.DiscoveryLogEntry;
import io.weft.protocol.discovery.DiscoveryLogPage;
import io.weft.protocol.fabrics.ConnectData;
import io.weft.protocol.nvme.ControllerRegisters;
import io.weft.protocol.nvme.Cqe;
import io.weft.protocol.nvme.ErrorLogEntry;
import io.weft.protocol.nvme.IdentifyController;
import io.weft.protocol.nvme.IdentifyNamespace;
import io.weft.protocol.nvme.NamespaceDescriptors;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Sgl;
import io.weft.protocol.nvme.SmartLog;
import io.weft.protocol.nvme.Sqe;
import io.weft.protocol.tcp.IcReq;
import io.weft.protocol.tcp.IcResp;
import io.weft.protocol.tcp.Pdu;
import io.weft.protocol.tcp.PduType;
import io.weft.protocol.tcp.TermReqPdu;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every wire structure's size and key field offsets, one row per field, against the values in
 * {@code /work/shared/docs/nvme-tcp-reference.md} (cited as "ref §x") or the NVMe specification
 * where the reference does not list the field. The second half checks that each encoder writes
 * exactly its structure's size.
 */
class WireLayoutTest {

  static Stream<Arguments> fields() {
    return Stream.of(
        // NVMe/TCP common header, ref §1.2
        row("CH", "size", Pdu.COMMON_HEADER_SIZE, 8, "ref §1.2"),
        row("CH", "PDU-Type", Pdu.TYPE, 0, "ref §1.2"),
        row("CH", "FLAGS", Pdu.FLAGS, 1, "ref §1.2"),
        row("CH", "HLEN", Pdu.HLEN, 2, "ref §1.2"),
        row("CH", "PDO", Pdu.PDO, 3, "ref §1.2"),
        row("CH", "PLEN", Pdu.PLEN, 4, "ref §1.2"),
        row("CH", "digest size", Pdu.DIGEST_SIZE, 4, "ref §1.4"),
        row("CH", "HDGSTF", Pdu.FLAG_HDGSTF, 0x01, "ref §1.2 flags bit 0"),
        row("CH", "DDGSTF", Pdu.FLAG_DDGSTF, 0x02, "ref §1.2 flags bit 1"),
        row("CH", "LAST_PDU", Pdu.FLAG_LAST_PDU, 0x04, "ref §1.2 flags bit 2"),
        row("CH", "SUCCESS", Pdu.FLAG_SUCCESS, 0x08, "ref §1.2 flags bit 3"),
        // PDU type codes and header lengths, ref §1.2
        row("ICReq", "type", PduType.IC_REQ.code, 0x00, "ref §1.2"),
        row("ICResp", "type", PduType.IC_RESP.code, 0x01, "ref §1.2"),
        row("H2CTermReq", "type", PduType.H2C_TERM_REQ.code, 0x02, "ref §1.2"),
        row("C2HTermReq", "type", PduType.C2H_TERM_REQ.code, 0x03, "ref §1.2"),
        row("CapsuleCmd", "type", PduType.CAPSULE_CMD.code, 0x04, "ref §1.2"),
        row("CapsuleResp", "type", PduType.CAPSULE_RESP.code, 0x05, "ref §1.2"),
        row("H2CData", "type", PduType.H2C_DATA.code, 0x06, "ref §1.2"),
        row("C2HData", "type", PduType.C2H_DATA.code, 0x07, "ref §1.2"),
        row("R2T", "type", PduType.R2T.code, 0x09, "ref §1.2"),
        row("ICReq", "HLEN", PduType.IC_REQ.headerLength, 128, "ref §1.2"),
        row("ICResp", "HLEN", PduType.IC_RESP.headerLength, 128, "ref §1.2"),
        row("CapsuleCmd", "HLEN", PduType.CAPSULE_CMD.headerLength, 72, "ref §1.2"),
        row("CapsuleResp", "HLEN", PduType.CAPSULE_RESP.headerLength, 24, "ref §1.2"),
        row("H2CData", "HLEN", PduType.H2C_DATA.headerLength, 24, "ref §1.2"),
        row("C2HData", "HLEN", PduType.C2H_DATA.headerLength, 24, "ref §1.2"),
        row("R2T", "HLEN", PduType.R2T.headerLength, 24, "ref §1.2"),
        row("H2CTermReq", "HLEN", PduType.H2C_TERM_REQ.headerLength, 24, "ref §1.2"),
        row("C2HTermReq", "HLEN", PduType.C2H_TERM_REQ.headerLength, 24, "ref §1.2"),
        // legal flags per type, ref §1.2
        row("CapsuleCmd", "allowed flags", PduType.CAPSULE_CMD.allowedFlags, 0x03, "ref §1.2"),
        row("CapsuleResp", "allowed flags", PduType.CAPSULE_RESP.allowedFlags, 0x01, "ref §1.2"),
        row("H2CData", "allowed flags", PduType.H2C_DATA.allowedFlags, 0x07, "ref §1.2"),
        row("C2HData", "allowed flags", PduType.C2H_DATA.allowedFlags, 0x0F, "ref §1.2"),
        row("R2T", "allowed flags", PduType.R2T.allowedFlags, 0x01, "ref §1.2"),
        row("ICReq", "allowed flags", PduType.IC_REQ.allowedFlags, 0, "ref §1.2"),
        row("ICResp", "allowed flags", PduType.IC_RESP.allowedFlags, 0, "ref §1.2"),
        row("H2CTermReq", "allowed flags", PduType.H2C_TERM_REQ.allowedFlags, 0, "ref §1.2"),
        row("C2HTermReq", "allowed flags", PduType.C2H_TERM_REQ.allowedFlags, 0, "ref §1.2"),
        // ICReq / ICResp, ref §1.3
        row("ICReq", "size", IcReq.SIZE, 128, "ref §1.3"),
        row("ICReq", "PFV", IcReq.PFV, 8, "ref §1.3"),
        row("ICReq", "HPDA", IcReq.HPDA, 10, "ref §1.3"),
        row("ICReq", "DGST", IcReq.DGST, 11, "ref §1.3"),
        row("ICReq", "MAXR2T", IcReq.MAXR2T, 12, "ref §1.3"),
        row("ICResp", "size", IcResp.SIZE, 128, "ref §1.3"),
        row("ICResp", "PFV", IcResp.PFV, 8, "ref §1.3"),
        row("ICResp", "CPDA", IcResp.CPDA, 10, "ref §1.3"),
        row("ICResp", "DGST", IcResp.DGST, 11, "ref §1.3"),
        row("ICResp", "MAXH2CDATA", IcResp.MAXH2CDATA, 12, "ref §1.3"),
        // capsules and data PDUs, ref §1.3
        row("CapsuleCmd", "SQE", Pdu.CAPSULE_SQE, 8, "ref §1.3"),
        row("CapsuleResp", "CQE", Pdu.CAPSULE_CQE, 8, "ref §1.3"),
        row("H2CData/C2HData/R2T", "CCCID", Pdu.DATA_CCCID, 8, "ref §1.3"),
        row("H2CData/R2T", "TTAG", Pdu.DATA_TTAG, 10, "ref §1.3"),
        row("H2CData/C2HData/R2T", "DATAO/R2TO", Pdu.DATA_OFFSET, 12, "ref §1.3"),
        row("H2CData/C2HData/R2T", "DATAL/R2TL", Pdu.DATA_LENGTH, 16, "ref §1.3"),
        // TermReq, ref §1.3 (FEI at 10, not the 6.1 kernel struct's 12)
        row("TermReq", "HLEN", TermReqPdu.HEADER_SIZE, 24, "ref §1.3"),
        row("TermReq", "FES", TermReqPdu.FES, 8, "ref §1.3"),
        row("TermReq", "FEI", TermReqPdu.FEI, 10, "ref §1.3"),
        row("TermReq", "max error data", TermReqPdu.MAX_ERROR_DATA, 128, "ref §1.3 (PLEN 24..152)"),
        // SQE, ref §2.1
        row("SQE", "size", Sqe.SIZE, 64, "ref §2.1"),
        row("SQE", "OPC", Sqe.OPCODE, 0, "ref §2.1"),
        row("SQE", "FLAGS", Sqe.FLAGS, 1, "ref §2.1"),
        row("SQE", "CID", Sqe.CID, 2, "ref §2.1"),
        row("SQE", "NSID", Sqe.NSID, 4, "ref §2.1"),
        row("SQE", "CDW2", Sqe.CDW2, 8, "ref §2.1"),
        row("SQE", "MPTR", Sqe.MPTR, 16, "ref §2.1"),
        row("SQE", "DPTR", Sqe.DPTR, 24, "ref §2.1"),
        row("SQE", "CDW10", Sqe.CDW10, 40, "ref §2.1"),
        row("SQE", "CDW11", Sqe.CDW11, 44, "ref §2.1"),
        row("SQE", "CDW12", Sqe.CDW12, 48, "ref §2.1"),
        row("SQE", "CDW13", Sqe.CDW13, 52, "ref §2.1"),
        row("SQE", "CDW14", Sqe.CDW14, 56, "ref §2.1"),
        row("SQE", "CDW15", Sqe.CDW15, 60, "ref §2.1"),
        row("SQE", "FCTYPE (Fabrics)", Sqe.FCTYPE, 4, "ref §2.1"),
        row("SQE", "PSDT=SGL flags", Sqe.FLAGS_PSDT_SGL, 0x40, "ref §2.1"),
        // SGL descriptor, ref §2.3
        row("SGL", "size", Sgl.SIZE, 16, "ref §2.3"),
        row("SGL", "ADDRESS", Sgl.ADDRESS, 0, "ref §2.3"),
        row("SGL", "LENGTH", Sgl.LENGTH, 8, "ref §2.3"),
        row("SGL", "identifier", Sgl.IDENTIFIER, 15, "ref §2.3"),
        row("SGL", "in-capsule id", Sgl.DATA_BLOCK_OFFSET, 0x01, "ref §2.3"),
        row("SGL", "transport id", Sgl.TRANSPORT_DATA_BLOCK, 0x5A, "ref §2.3"),
        // CQE, ref §2.2
        row("CQE", "size", Cqe.SIZE, 16, "ref §2.2"),
        row("CQE", "DW0", Cqe.DW0, 0, "ref §2.2"),
        row("CQE", "DW1", Cqe.DW1, 4, "ref §2.2"),
        row("CQE", "SQHD", Cqe.SQHD, 8, "ref §2.2"),
        row("CQE", "SQID", Cqe.SQID, 10, "ref §2.2"),
        row("CQE", "CID", Cqe.CID, 12, "ref §2.2"),
        row("CQE", "STATUS", Cqe.STATUS, 14, "ref §2.2"),
        // Connect data, ref §3.1
        row("ConnectData", "size", ConnectData.SIZE, 1024, "ref §3.1"),
        row("ConnectData", "HOSTID", ConnectData.HOSTID, 0, "ref §3.1"),
        row("ConnectData", "CNTLID", ConnectData.CNTLID, 16, "ref §3.1"),
        row("ConnectData", "SUBNQN", ConnectData.SUBNQN, 256, "ref §3.1"),
        row("ConnectData", "HOSTNQN", ConnectData.HOSTNQN, 512, "ref §3.1"),
        row("ConnectData", "NQN field", ConnectData.NQN_FIELD_SIZE, 256, "ref §3.1"),
        // Fabrics command types and properties, ref §3 / §3.2
        row("Fabrics", "opcode", Opcodes.FABRICS, 0x7F, "ref §3"),
        row("Fabrics", "Property Set", Opcodes.FCTYPE_PROPERTY_SET, 0x00, "ref §3"),
        row("Fabrics", "Connect", Opcodes.FCTYPE_CONNECT, 0x01, "ref §3"),
        row("Fabrics", "Property Get", Opcodes.FCTYPE_PROPERTY_GET, 0x04, "ref §3"),
        row("Fabrics", "Auth Send", Opcodes.FCTYPE_AUTH_SEND, 0x05, "ref §3"),
        row("Fabrics", "Auth Receive", Opcodes.FCTYPE_AUTH_RECEIVE, 0x06, "ref §3"),
        row("Properties", "CAP", ControllerRegisters.CAP, 0x00, "ref §3.2"),
        row("Properties", "VS", ControllerRegisters.VS, 0x08, "ref §3.2"),
        row("Properties", "CC", ControllerRegisters.CC, 0x14, "ref §3.2"),
        row("Properties", "CSTS", ControllerRegisters.CSTS, 0x1C, "ref §3.2"),
        // Identify Controller, ref §4.2
        row("IdentifyController", "size", IdentifyController.SIZE, 4096, "ref §4.2"),
        row("IdentifyController", "VID", IdentifyController.VID, 0, "ref §4.2"),
        row("IdentifyController", "SSVID", IdentifyController.SSVID, 2, "ref §4.2"),
        row("IdentifyController", "SN", IdentifyController.SN, 4, "ref §4.2"),
        row("IdentifyController", "MN", IdentifyController.MN, 24, "ref §4.2"),
        row("IdentifyController", "FR", IdentifyController.FR, 64, "ref §4.2"),
        row("IdentifyController", "RAB", IdentifyController.RAB, 72, "ref §4.2"),
        row("IdentifyController", "CMIC", IdentifyController.CMIC, 76, "ref §4.2"),
        row("IdentifyController", "MDTS", IdentifyController.MDTS, 77, "ref §4.2"),
        row("IdentifyController", "CNTLID", IdentifyController.CNTLID, 78, "ref §4.2"),
        row("IdentifyController", "VER", IdentifyController.VER, 80, "ref §4.2"),
        row("IdentifyController", "OAES", IdentifyController.OAES, 92, "ref §4.2"),
        row("IdentifyController", "CTRATT", IdentifyController.CTRATT, 96, "ref §4.2"),
        row("IdentifyController", "CNTRLTYPE", IdentifyController.CNTRLTYPE, 111, "ref §4.2"),
        row("IdentifyController", "OACS", IdentifyController.OACS, 256, "ref §4.2"),
        row("IdentifyController", "ACL", IdentifyController.ACL, 258, "ref §4.2"),
        row("IdentifyController", "AERL", IdentifyController.AERL, 259, "ref §4.2"),
        row("IdentifyController", "FRMW", IdentifyController.FRMW, 260, "ref §4.2"),
        row("IdentifyController", "LPA", IdentifyController.LPA, 261, "ref §4.2"),
        row("IdentifyController", "ELPE", IdentifyController.ELPE, 262, "ref §4.2"),
        row("IdentifyController", "AVSCC", IdentifyController.AVSCC, 264, "NVMe Base 2.0 Fig. 276"),
        row("IdentifyController", "WCTEMP", IdentifyController.WCTEMP, 266, "ref §4.2"),
        row("IdentifyController", "CCTEMP", IdentifyController.CCTEMP, 268, "ref §4.2"),
        row("IdentifyController", "KAS", IdentifyController.KAS, 320, "ref §4.2"),
        row("IdentifyController", "SQES", IdentifyController.SQES, 512, "ref §4.2"),
        row("IdentifyController", "CQES", IdentifyController.CQES, 513, "ref §4.2"),
        row("IdentifyController", "MAXCMD", IdentifyController.MAXCMD, 514, "ref §4.2"),
        row("IdentifyController", "NN", IdentifyController.NN, 516, "ref §4.2"),
        row("IdentifyController", "ONCS", IdentifyController.ONCS, 520, "ref §4.2"),
        row("IdentifyController", "VWC", IdentifyController.VWC, 525, "ref §4.2"),
        row("IdentifyController", "SGLS", IdentifyController.SGLS, 536, "ref §4.2"),
        row("IdentifyController", "SUBNQN", IdentifyController.SUBNQN, 768, "ref §4.2"),
        row("IdentifyController", "IOCCSZ", IdentifyController.IOCCSZ, 1792, "ref §4.2"),
        row("IdentifyController", "IORCSZ", IdentifyController.IORCSZ, 1796, "ref §4.2"),
        row("IdentifyController", "ICDOFF", IdentifyController.ICDOFF, 1800, "ref §4.2"),
        row("IdentifyController", "FCATT", IdentifyController.FCATT, 1802, "ref §4.2"),
        row("IdentifyController", "MSDBD", IdentifyController.MSDBD, 1803, "ref §4.2"),
        row("IdentifyController", "PSD0", IdentifyController.PSD0, 2048, "ref §4.2"),
        row(
            "IdentifyController",
            "SGLS value",
            IdentifyController.SGLS_SUPPORTED,
            0x00100001,
            "ref §2.3"),
        // Identify Namespace, ref §4.3
        row("IdentifyNamespace", "size", IdentifyNamespace.SIZE, 4096, "ref §4.3"),
        row("IdentifyNamespace", "NSZE", IdentifyNamespace.NSZE, 0, "ref §4.3"),
        row("IdentifyNamespace", "NCAP", IdentifyNamespace.NCAP, 8, "ref §4.3"),
        row("IdentifyNamespace", "NUSE", IdentifyNamespace.NUSE, 16, "ref §4.3"),
        row("IdentifyNamespace", "NSFEAT", IdentifyNamespace.NSFEAT, 24, "ref §4.3"),
        row("IdentifyNamespace", "NLBAF", IdentifyNamespace.NLBAF, 25, "ref §4.3"),
        row("IdentifyNamespace", "FLBAS", IdentifyNamespace.FLBAS, 26, "ref §4.3"),
        row("IdentifyNamespace", "NMIC", IdentifyNamespace.NMIC, 30, "ref §4.3"),
        row(
            "IdentifyNamespace",
            "DLFEAT",
            IdentifyNamespace.DLFEAT,
            33,
            "NVM Command Set 1.0 Fig. 97"),
        row("IdentifyNamespace", "NSATTR", IdentifyNamespace.NSATTR, 99, "ref §4.3"),
        row("IdentifyNamespace", "NGUID", IdentifyNamespace.NGUID, 104, "ref §4.3"),
        row("IdentifyNamespace", "EUI64", IdentifyNamespace.EUI64, 120, "ref §4.3"),
        row("IdentifyNamespace", "LBAF0", IdentifyNamespace.LBAF0, 128, "ref §4.3"),
        // Namespace Identification Descriptors, ref §4.4
        row("NsDescriptors", "size", NamespaceDescriptors.SIZE, 4096, "ref §4.4"),
        row("NsDescriptors", "NIDT EUI64", NamespaceDescriptors.NIDT_EUI64, 1, "ref §4.4"),
        row("NsDescriptors", "NIDT NGUID", NamespaceDescriptors.NIDT_NGUID, 2, "ref §4.4"),
        row("NsDescriptors", "NIDT UUID", NamespaceDescriptors.NIDT_UUID, 3, "ref §4.4"),
        row("NsDescriptors", "NIDT CSI", NamespaceDescriptors.NIDT_CSI, 4, "ref §4.4"),
        // SMART / Health log, ref §4.7
        row("SmartLog", "size", SmartLog.SIZE, 512, "ref §4.7"),
        row("SmartLog", "critical warning", SmartLog.CRITICAL_WARNING, 0, "ref §4.7"),
        row("SmartLog", "composite temperature", SmartLog.TEMPERATURE, 1, "ref §4.7"),
        row("SmartLog", "available spare", SmartLog.AVAILABLE_SPARE, 3, "ref §4.7"),
        row("SmartLog", "spare threshold", SmartLog.AVAILABLE_SPARE_THRESHOLD, 4, "ref §4.7"),
        row("SmartLog", "percentage used", SmartLog.PERCENTAGE_USED, 5, "ref §4.7"),
        row("SmartLog", "data units read", SmartLog.DATA_UNITS_READ, 32, "ref §4.7"),
        row("SmartLog", "data units written", SmartLog.DATA_UNITS_WRITTEN, 48, "ref §4.7"),
        row("SmartLog", "host reads", SmartLog.HOST_READ_COMMANDS, 64, "ref §4.7"),
        row("SmartLog", "host writes", SmartLog.HOST_WRITE_COMMANDS, 80, "ref §4.7"),
        row("SmartLog", "busy time", SmartLog.CONTROLLER_BUSY_TIME, 96, "ref §4.7"),
        row("SmartLog", "power cycles", SmartLog.POWER_CYCLES, 112, "ref §4.7"),
        row("SmartLog", "power-on hours", SmartLog.POWER_ON_HOURS, 128, "ref §4.7"),
        row("SmartLog", "unsafe shutdowns", SmartLog.UNSAFE_SHUTDOWNS, 144, "ref §4.7"),
        row("SmartLog", "media errors", SmartLog.MEDIA_ERRORS, 160, "ref §4.7"),
        row("SmartLog", "error log entries", SmartLog.ERROR_LOG_ENTRIES, 176, "ref §4.7"),
        // Error Information log entry, ref §4.7
        row("ErrorLogEntry", "size", ErrorLogEntry.SIZE, 64, "ref §4.7"),
        row("ErrorLogEntry", "error count", ErrorLogEntry.ERROR_COUNT, 0, "ref §4.7"),
        row("ErrorLogEntry", "SQID", ErrorLogEntry.SQID, 8, "ref §4.7"),
        row("ErrorLogEntry", "CID", ErrorLogEntry.CID, 10, "ref §4.7"),
        row("ErrorLogEntry", "status", ErrorLogEntry.STATUS, 12, "ref §4.7"),
        row("ErrorLogEntry", "param location", ErrorLogEntry.PARAMETER_LOCATION, 14, "ref §4.7"),
        row("ErrorLogEntry", "LBA", ErrorLogEntry.LBA, 16, "ref §4.7"),
        row("ErrorLogEntry", "NSID", ErrorLogEntry.NSID, 24, "ref §4.7"),
        row("ErrorLogEntry", "TRTYPE", ErrorLogEntry.TRTYPE, 29, "ref §4.7 (UNVERIFIED there)"),
        // Log page identifiers, ref §4.7
        row("Log", "error", Opcodes.LOG_ERROR, 0x01, "ref §4.7"),
        row("Log", "SMART", Opcodes.LOG_SMART, 0x02, "ref §4.7"),
        row("Log", "changed namespaces", Opcodes.LOG_CHANGED_NAMESPACES, 0x04, "ref §4.7"),
        row("Log", "effects", Opcodes.LOG_COMMANDS_EFFECTS, 0x05, "ref §4.7"),
        row("Log", "discovery", Opcodes.LOG_DISCOVERY, 0x70, "ref §4.7"),
        // Discovery log page, ref §5.1
        row("DiscoveryLogPage", "header size", DiscoveryLogPage.HEADER_SIZE, 1024, "ref §5.1"),
        row("DiscoveryLogPage", "GENCTR", DiscoveryLogPage.GENCTR, 0, "ref §5.1"),
        row("DiscoveryLogPage", "NUMREC", DiscoveryLogPage.NUMREC, 8, "ref §5.1"),
        row("DiscoveryLogPage", "RECFMT", DiscoveryLogPage.RECFMT, 16, "ref §5.1"),
        row("DiscoveryLogEntry", "size", DiscoveryLogEntry.SIZE, 1024, "ref §5.1"),
        row("DiscoveryLogEntry", "TRTYPE", DiscoveryLogEntry.TRTYPE, 0, "ref §5.1"),
        row("DiscoveryLogEntry", "ADRFAM", DiscoveryLogEntry.ADRFAM, 1, "ref §5.1"),
        row("DiscoveryLogEntry", "SUBTYPE", DiscoveryLogEntry.SUBTYPE, 2, "ref §5.1"),
        row("DiscoveryLogEntry", "TREQ", DiscoveryLogEntry.TREQ, 3, "ref §5.1"),
        row("DiscoveryLogEntry", "PORTID", DiscoveryLogEntry.PORTID, 4, "ref §5.1"),
        row("DiscoveryLogEntry", "CNTLID", DiscoveryLogEntry.CNTLID, 6, "ref §5.1"),
        row("DiscoveryLogEntry", "ASQSZ", DiscoveryLogEntry.ASQSZ, 8, "ref §5.1"),
        row("DiscoveryLogEntry", "EFLAGS", DiscoveryLogEntry.EFLAGS, 10, "ref §5.1"),
        row("DiscoveryLogEntry", "TRSVCID", DiscoveryLogEntry.TRSVCID, 32, "ref §5.1"),
        row("DiscoveryLogEntry", "SUBNQN", DiscoveryLogEntry.SUBNQN, 256, "ref §5.1"),
        row("DiscoveryLogEntry", "TRADDR", DiscoveryLogEntry.TRADDR, 512, "ref §5.1"),
        row("DiscoveryLogEntry", "TSAS", DiscoveryLogEntry.TSAS, 768, "ref §5.1"),
        row("DiscoveryLogEntry", "TRTYPE TCP", DiscoveryLogEntry.TRTYPE_TCP, 3, "ref §5.1"),
        row("DiscoveryLogEntry", "ADRFAM IPv4", DiscoveryLogEntry.ADRFAM_IPV4, 1, "ref §5.1"),
        row("DiscoveryLogEntry", "ADRFAM IPv6", DiscoveryLogEntry.ADRFAM_IPV6, 2, "ref §5.1"),
        row(
            "DiscoveryLogEntry",
            "SUBTYPE referral",
            DiscoveryLogEntry.SUBTYPE_REFERRAL,
            1,
            "ref §5.1"),
        row("DiscoveryLogEntry", "SUBTYPE NVM", DiscoveryLogEntry.SUBTYPE_NVM, 2, "ref §5.1"),
        row(
            "DiscoveryLogEntry",
            "SUBTYPE current",
            DiscoveryLogEntry.SUBTYPE_CURRENT_DISCOVERY,
            3,
            "ref §5.1"),
        row(
            "DiscoveryLogEntry",
            "TREQ sqflow",
            DiscoveryLogEntry.TREQ_DISABLE_SQFLOW,
            4,
            "ref §5.1"));
  }

  private static Arguments row(
      String structure, String field, int actual, int expected, String source) {
    return arguments(structure, field, actual, expected, source);
  }

  @ParameterizedTest(name = "{0} {1} = {3} ({4})")
  @MethodSource("fields")
  void fieldMatchesSpec(String structure, String field, int actual, int expected, String source) {
    assertEquals(
        expected,
        actual,
        () -> structure + " " + field + ": expected " + expected + " per " + source);
  }

  static Stream<Arguments> encodedSizes() {
    UUID id = UUID.fromString("00112233-4455-6677-8899-aabbccddeeff");
    DiscoveryLogEntry entry =
        new DiscoveryLogEntry(3, 1, 2, 0, 1, 0xFFFF, 32, "4420", "nqn.x", "192.0.2.1", 0);
    return Stream.of(
        size("ICReq", 128, b -> new IcReq(0, 0, true, true, 0).encode(b)),
        size("ICResp", 128, b -> new IcResp(0, 0, true, true, 4 << 20).encode(b)),
        size("ConnectData", 1024, b -> new ConnectData(id, 0xFFFF, "nqn.s", "nqn.h").encode(b)),
        size(
            "IdentifyController",
            4096,
            b ->
                new IdentifyController(
                        "s",
                        "m",
                        "f",
                        0,
                        0,
                        1,
                        0,
                        0,
                        0,
                        1,
                        3,
                        0,
                        0,
                        10,
                        1,
                        1,
                        0,
                        0,
                        1,
                        "nqn.s",
                        4,
                        1,
                        IdentifyController.Ana.NONE)
                    .encode(b)),
        size(
            "IdentifyNamespace",
            4096,
            b -> new IdentifyNamespace(1, 1, 9, 0, 0, false, new byte[16], 1).encode(b)),
        size(
            "NamespaceDescriptors", 4096, b -> NamespaceDescriptors.encode(b, new byte[16], id, 0)),
        size(
            "SmartLog",
            512,
            b -> new SmartLog(0, 300, 100, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0).encode(b)),
        size("DiscoveryLogPage(0)", 1024, b -> new DiscoveryLogPage(0, List.of()).encode(b)),
        size(
            "DiscoveryLogPage(2)",
            3072,
            b -> new DiscoveryLogPage(0, List.of(entry, entry)).encode(b)),
        size(
            "TermReq(no data)",
            24,
            b -> append(b, TermReqPdu.encode(alloc(), PduType.C2H_TERM_REQ, 1, 0, new byte[0]))),
        size(
            "TermReq(200 bytes offered)",
            152,
            b -> append(b, TermReqPdu.encode(alloc(), PduType.H2C_TERM_REQ, 1, 0, new byte[200]))));
  }

  private static ByteBufAllocator alloc() {
    return ByteBufAllocator.DEFAULT;
  }

  private static void append(ByteBuf to, ByteBuf encoded) {
    try {
      to.writeBytes(encoded);
    } finally {
      encoded.release();
    }
  }

  private static Arguments size(String what, int expected, Consumer<ByteBuf> encoder) {
    return arguments(what, expected, encoder);
  }

  /** Encoders append exactly their structure, starting at the writer index, wherever that is. */
  @ParameterizedTest(name = "{0} encodes {1} bytes")
  @MethodSource("encodedSizes")
  void encoderWritesExactlyItsSize(String what, int expected, Consumer<ByteBuf> encoder) {
    ByteBuf b = Unpooled.buffer();
    try {
      b.writeBytes(new byte[] {1, 2, 3}); // not at offset 0
      encoder.accept(b);
      assertEquals(3 + expected, b.writerIndex(), what);
      assertEquals(1, b.getByte(0));
      assertEquals(3, b.getByte(2));
    } finally {
      b.release();
    }
  }
}
