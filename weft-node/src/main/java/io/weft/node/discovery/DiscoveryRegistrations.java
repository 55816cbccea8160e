package io.weft.node.discovery;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.node.NodeException;
import io.weft.protocol.discovery.DiscoveryInformation;
import io.weft.protocol.discovery.DiscoveryInformationEntry;
import io.weft.protocol.discovery.ExtendedAttribute;
import io.weft.protocol.nvme.Status;
import io.weft.store.ClusterStore;
import io.weft.store.KeyValue;
import io.weft.store.StoreException;
import io.weft.tgt.DiscoverySource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What Discovery Information Management commands register, kept in the store so every discovery
 * instance serves it: hosts under {@code discovery/hosts/<nqn>}, and the NVM subsystems a direct
 * discovery controller registers as foreign targets whose source names that controller. A host
 * registers only itself (the NQN it connected with), and what a host registered for itself no other
 * registrant replaces; a discovery controller's subsystems are taken only when the service is told
 * to (they would point every host at an address of the sender's choosing), and can be removed by
 * that controller or an operator, never by another.
 */
public final class DiscoveryRegistrations {
  private static final Logger log = LoggerFactory.getLogger(DiscoveryRegistrations.class);

  static final String HOSTS = "discovery/hosts/";

  /** What one service keeps at most: past it, "Insufficient Discovery Resources". */
  static final int MAX_HOSTS = 10_000;

  static final int MAX_TARGETS = 4_096;

  /** The source of a subsystem a discovery controller registered: "dim:" and its NQN. */
  static final String DIM_SOURCE = "dim:";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final ClusterStore store;
  private final ForeignTargets targets;
  private volatile boolean acceptSubsystems;

  public DiscoveryRegistrations(ClusterStore store) {
    this.store = store;
    this.targets = new ForeignTargets(store);
  }

  /**
   * Whether discovery controllers may register subsystems (off by default: an operator registers
   * them, or allows this where the fabric's senders are trusted).
   */
  public void acceptSubsystems(boolean accept) {
    this.acceptSubsystems = accept;
  }

  /** Carries out one task; returns the NVMe status to answer. Blocks on the store. */
  public int manage(int task, DiscoveryInformation info, DiscoverySource.Registrant who) {
    try {
      int status =
          info.entityType() == DiscoveryInformation.ENTITY_DDC
              ? subsystems(task, info)
              : hosts(task, info, who);
      log.info(
          "discovery information: {} {} {} entr{} from {} ({}): {}",
          taskName(task),
          entityName(info.entityType()),
          info.entityId(),
          info.entries().size() == 1 ? "y" : "ies",
          who.hostNqn(),
          who.remoteAddress(),
          Status.describe(status));
      return status;
    } catch (StoreException e) {
      log.warn("discovery information from {} not recorded: {}", who.hostNqn(), e.getMessage());
      return Status.INTERNAL_ERROR; // no DNR: the host may try again
    }
  }

  private int hosts(int task, DiscoveryInformation info, DiscoverySource.Registrant who) {
    for (DiscoveryInformationEntry e : info.entries()) {
      if (!mayActFor(info, e.nqn(), who)) {
        return Status.INVALID_DISCOVERY_INFORMATION | Status.DNR;
      }
    }
    List<DiscoveryInformationEntry> entries = info.entries();
    if (task == DiscoveryInformation.TASK_UPDATE && entries.size() == 2) {
      // The old entry's key, then the new entry.
      store.delete(HOSTS + entries.get(0).nqn());
      entries = List.of(entries.get(1));
    }
    if (task == DiscoveryInformation.TASK_DEREGISTER) {
      entries.forEach(e -> store.delete(HOSTS + e.nqn()));
      return Status.SUCCESS;
    }
    if (store.list(HOSTS).size() + entries.size() > MAX_HOSTS) {
      return Status.INSUFFICIENT_DISCOVERY_RESOURCES | Status.DNR;
    }
    for (DiscoveryInformationEntry e : entries) {
      ExtendedAttribute id = e.attribute(ExtendedAttribute.HOST_ID);
      RegisteredHost h =
          new RegisteredHost(
              e.nqn(),
              id == null ? (who.hostId() == null ? "" : who.hostId().toString()) : uuid(id.value()),
              info.entityName(),
              info.entityVersion(),
              e.traddr().isEmpty() ? who.remoteAddress() : e.traddr(),
              who.hostNqn());
      put(HOSTS + e.nqn(), h);
    }
    return Status.SUCCESS;
  }

  /**
   * A host speaks only for itself; a centralized controller (ETYPE 3) for the hosts it knows, but
   * never over a host's own registration.
   */
  private boolean mayActFor(
      DiscoveryInformation info, String host, DiscoverySource.Registrant who) {
    if (who.hostNqn().equals(host)) {
      return true;
    }
    if (info.entityType() == DiscoveryInformation.ENTITY_HOST) {
      log.warn("host {} tried to register another host, {}", who.hostNqn(), host);
      return false;
    }
    RegisteredHost own = host(host);
    if (own != null && own.registeredBy().equals(own.nqn())) {
      log.warn("{} tried to change host {}'s own registration", who.hostNqn(), host);
      return false;
    }
    return true;
  }

  private int subsystems(int task, DiscoveryInformation info) {
    if (!acceptSubsystems) {
      log.warn(
          "subsystems from discovery controller {} refused: this service takes none"
              + " (--dim-subsystems)",
          info.entityId());
      return Status.INVALID_DISCOVERY_INFORMATION | Status.DNR;
    }
    String source = DIM_SOURCE + info.entityId();
    List<DiscoveryInformationEntry> entries = info.entries();
    if (task == DiscoveryInformation.TASK_UPDATE && entries.size() == 2) {
      int removed = remove(source, entries.get(0));
      if (removed != Status.SUCCESS) {
        return removed;
      }
      entries = List.of(entries.get(1));
    }
    if (task == DiscoveryInformation.TASK_DEREGISTER) {
      for (DiscoveryInformationEntry e : entries) {
        int removed = remove(source, e);
        if (removed != Status.SUCCESS) {
          return removed;
        }
      }
      return Status.SUCCESS;
    }
    List<ForeignTarget> checked = new ArrayList<>();
    for (DiscoveryInformationEntry e : entries) {
      try {
        checked.add(
            new ForeignTarget(e.traddr(), Integer.parseInt(e.trsvcid()), e.nqn(), List.of(), source)
                .checked());
      } catch (NodeException | NumberFormatException bad) {
        log.warn("discovery information from {} refused: {}", info.entityId(), bad.getMessage());
        return Status.INVALID_DISCOVERY_INFORMATION | Status.DNR;
      }
    }
    if (targets.list().size() + checked.size() > MAX_TARGETS) {
      return Status.INSUFFICIENT_DISCOVERY_RESOURCES | Status.DNR;
    }
    checked.forEach(targets::register);
    return Status.SUCCESS;
  }

  /**
   * Removes a subsystem this controller registered; what others registered is not its to remove.
   */
  private int remove(String source, DiscoveryInformationEntry e) {
    String id = e.traddr() + ":" + e.trsvcid() + ":" + e.nqn();
    for (ForeignTarget t : targets.list()) {
      if (t.id().equals(id)) {
        if (!source.equals(t.source())) {
          return Status.INVALID_DISCOVERY_INFORMATION | Status.DNR;
        }
        targets.deregister(id);
      }
    }
    return Status.SUCCESS;
  }

  /** Hosts that registered themselves, by NQN. */
  public List<RegisteredHost> hosts() {
    List<RegisteredHost> out = new ArrayList<>();
    for (KeyValue kv : store.list(HOSTS)) {
      try {
        out.add(JSON.readValue(kv.value(), RegisteredHost.class));
      } catch (IOException e) {
        // unreadable: skipped
      }
    }
    out.sort((a, b) -> a.nqn().compareTo(b.nqn()));
    return out;
  }

  private RegisteredHost host(String nqn) {
    return store
        .get(HOSTS + nqn)
        .map(
            kv -> {
              try {
                return JSON.readValue(kv.value(), RegisteredHost.class);
              } catch (IOException e) {
                return null;
              }
            })
        .orElse(null);
  }

  /** An operator removes a host's registration; refused if there is none. */
  public void deregisterHost(String nqn) {
    if (store.get(HOSTS + nqn).isEmpty()) {
      throw new NodeException("no registered host '" + nqn + "'");
    }
    store.delete(HOSTS + nqn);
  }

  private void put(String key, Object value) {
    try {
      store.put(key, JSON.writeValueAsBytes(value));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String uuid(byte[] id) {
    ByteBuffer b = ByteBuffer.wrap(id);
    return new UUID(b.getLong(), b.getLong()).toString();
  }

  private static String taskName(int task) {
    return switch (task) {
      case DiscoveryInformation.TASK_REGISTER -> "register";
      case DiscoveryInformation.TASK_DEREGISTER -> "deregister";
      default -> "update";
    };
  }

  private static String entityName(int type) {
    return switch (type) {
      case DiscoveryInformation.ENTITY_HOST -> "host";
      case DiscoveryInformation.ENTITY_DDC -> "discovery controller";
      default -> "centralized discovery controller";
    };
  }
}
