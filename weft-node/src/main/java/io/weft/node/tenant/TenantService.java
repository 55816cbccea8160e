package io.weft.node.tenant;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.node.NodeException;
import io.weft.protocol.fabrics.Nqn;
import io.weft.store.ClusterStore;
import io.weft.store.Compare;
import io.weft.store.KeyValue;
import io.weft.store.Op;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Tenants in the cluster store, and the rules that keep them apart: a host belongs to at most one
 * tenant; a tenant's hosts may be allowed only on its volumes, and its volumes admit only its
 * hosts, so each of its hosts' discovery logs lists its volumes and nothing else; with tenants, no
 * volume admits every host; its volumes add up to at most its quota. Every tenant change moves
 * {@link #LAST}, and every volume change that depends on tenants compares it, so no rule is checked
 * against a tenant changed meanwhile.
 */
public final class TenantService {
  public static final String PREFIX = "tenants/";

  /** Moved by every tenant change. */
  public static final String LAST = "tenant-changes/last";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

  private final ClusterStore store;

  public TenantService(ClusterStore store) {
    this.store = store;
  }

  /** What a volume change must compare: tenants as they were when its rules were checked. */
  public Compare unchanged(long lastSeen) {
    return lastSeen == 0 ? Compare.absent(LAST) : Compare.modRevision(LAST, lastSeen);
  }

  /** The revision of {@link #LAST} now (0 if no tenant ever changed). */
  public long lastRevision() {
    return store.get(LAST).map(KeyValue::modRevision).orElse(0L);
  }

  public List<TenantRecord> list() {
    List<TenantRecord> out = new ArrayList<>();
    for (KeyValue kv : store.list(PREFIX)) {
      out.add(parse(kv));
    }
    return out;
  }

  public Optional<TenantRecord> get(String name) {
    return store.get(PREFIX + name).map(TenantService::parse);
  }

  public TenantRecord require(String name) {
    return get(name).orElseThrow(() -> new NodeException("no tenant '" + name + "'"));
  }

  /** The tenant {@code host} belongs to, if any. */
  public Optional<TenantRecord> tenantOf(String host, List<TenantRecord> all) {
    return all.stream().filter(t -> t.hosts().contains(host)).findFirst();
  }

  /**
   * Creates a tenant. Its hosts must belong to no other tenant and be allowed on no volume yet
   * ({@code volumeHosts}: every volume's hosts by volume name, its tenant beside).
   */
  public TenantRecord create(
      String name, long quotaBytes, List<String> hosts, Supplier<List<VolumeHosts>> volumes) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new NodeException(
          "invalid tenant name '" + name + "': lower-case letters, digits, . _ -");
    }
    if (quotaBytes < 0) {
      throw new NodeException("a quota is a size in bytes, or 0 for none");
    }
    TenantRecord t =
        new TenantRecord(name, quotaBytes, distinct(hosts), System.currentTimeMillis());
    return change(
        name,
        current -> {
          if (current != null) {
            throw new NodeException("tenant '" + name + "' exists");
          }
          return t;
        },
        volumes);
  }

  /** Changes which hosts are the tenant's (see {@link #create} for the rules). */
  public TenantRecord setHosts(
      String name, List<String> hosts, Supplier<List<VolumeHosts>> volumes) {
    return change(name, current -> require(current, name).withHosts(distinct(hosts)), volumes);
  }

  /** Changes the quota; it may not fall below what the tenant's volumes hold now. */
  public TenantRecord setQuota(String name, long quotaBytes, Supplier<List<VolumeHosts>> volumes) {
    if (quotaBytes < 0) {
      throw new NodeException("a quota is a size in bytes, or 0 for none");
    }
    return change(
        name,
        current -> {
          TenantRecord t = require(current, name);
          long used = used(name, volumes.get());
          if (quotaBytes > 0 && used > quotaBytes) {
            throw new NodeException(
                "tenant '" + name + "' holds " + used + " bytes already, more than " + quotaBytes);
          }
          return t.withQuota(quotaBytes);
        },
        volumes);
  }

  /** Deletes a tenant that has no volume left. */
  public void delete(String name, Supplier<List<VolumeHosts>> volumes) {
    for (int attempt = 0; attempt < 10; attempt++) {
      long last = lastRevision();
      Optional<KeyValue> kv = store.get(PREFIX + name);
      if (kv.isEmpty()) {
        throw new NodeException("no tenant '" + name + "'");
      }
      List<String> left =
          volumes.get().stream()
              .filter(v -> name.equals(v.tenant()))
              .map(VolumeHosts::volume)
              .toList();
      if (!left.isEmpty()) {
        throw new NodeException("tenant '" + name + "' still has volumes " + left);
      }
      if (store
          .txn(
              List.of(unchanged(last), Compare.modRevision(PREFIX + name, kv.get().modRevision())),
              List.of(Op.delete(PREFIX + name), Op.put(LAST, name)),
              List.of())
          .succeeded()) {
        return;
      }
    }
    throw new NodeException("tenants keep changing; try again");
  }

  /** One volume as the tenant rules see it. */
  public record VolumeHosts(String volume, String tenant, long sizeBytes, List<String> hosts) {}

  /** Bytes the tenant's volumes hold (their full sizes). */
  public static long used(String tenant, List<VolumeHosts> volumes) {
    return volumes.stream()
        .filter(v -> tenant.equals(v.tenant()))
        .mapToLong(VolumeHosts::sizeBytes)
        .sum();
  }

  /**
   * The rules for one volume's hosts: a tenant's volume names its hosts (never "every host"), and
   * only the tenant's ({@code placeholder}, a host that never connects, excepted); a volume of no
   * tenant admits no tenant's host.
   */
  public static void checkVolumeHosts(
      String volume,
      String tenant,
      List<String> hosts,
      List<TenantRecord> all,
      String placeholder) {
    if (tenant != null) {
      TenantRecord t =
          all.stream()
              .filter(x -> x.name().equals(tenant))
              .findFirst()
              .orElseThrow(() -> new NodeException("no tenant '" + tenant + "'"));
      if (hosts.isEmpty()) {
        throw new NodeException(
            "volume '"
                + volume
                + "' of tenant '"
                + tenant
                + "' must name its hosts, not admit any");
      }
      for (String h : hosts) {
        if (!t.hosts().contains(h) && !h.equals(placeholder)) {
          throw new NodeException(
              "host '" + h + "' is not one of tenant '" + tenant + "''s hosts " + t.hosts());
        }
      }
      return;
    }
    if (hosts.isEmpty() && !all.isEmpty()) {
      throw new NodeException(
          "volume '"
              + volume
              + "' would admit every host, tenants' hosts too: with tenants, every volume names its"
              + " hosts");
    }
    for (String h : hosts) {
      for (TenantRecord t : all) {
        if (t.hosts().contains(h)) {
          throw new NodeException(
              "host '"
                  + h
                  + "' belongs to tenant '"
                  + t.name()
                  + "' and may use only its volumes, not '"
                  + volume
                  + "'");
        }
      }
    }
  }

  /** The quota rule: the tenant's volumes, with {@code more} bytes added, within its quota. */
  public static void checkQuota(
      String tenant, long more, List<TenantRecord> all, List<VolumeHosts> volumes) {
    if (tenant == null) {
      return;
    }
    TenantRecord t =
        all.stream()
            .filter(x -> x.name().equals(tenant))
            .findFirst()
            .orElseThrow(() -> new NodeException("no tenant '" + tenant + "'"));
    long used = used(tenant, volumes);
    if (t.quotaBytes() > 0 && used + more > t.quotaBytes()) {
      throw new QuotaExceededException(
          "tenant '"
              + tenant
              + "' holds "
              + used
              + " of its "
              + t.quotaBytes()
              + " bytes; "
              + more
              + " more would exceed its quota");
    }
  }

  private interface Change {
    TenantRecord apply(TenantRecord current);
  }

  /**
   * Writes the tenant {@code change} makes of the current one, after checking that its hosts are in
   * no other tenant and allowed on no volume but its own; compared against every tenant and volume
   * change meanwhile (tenants by {@link #LAST}, volumes by the caller's list, read after).
   */
  private TenantRecord change(String name, Change change, Supplier<List<VolumeHosts>> volumes) {
    for (int attempt = 0; attempt < 10; attempt++) {
      long last = lastRevision();
      Optional<KeyValue> kv = store.get(PREFIX + name);
      TenantRecord next = change.apply(kv.map(TenantService::parse).orElse(null));
      for (String h : next.hosts()) {
        if (!Nqn.wellFormed(h)) {
          throw new NodeException("invalid host NQN '" + h + "'");
        }
      }
      List<TenantRecord> others = list().stream().filter(t -> !t.name().equals(name)).toList();
      for (String h : next.hosts()) {
        Optional<TenantRecord> owner = tenantOf(h, others);
        if (owner.isPresent()) {
          throw new NodeException(
              "host '" + h + "' belongs to tenant '" + owner.get().name() + "' already");
        }
      }
      for (VolumeHosts v : volumes.get()) {
        if (v.hosts().isEmpty()) {
          throw new NodeException(
              "volume '"
                  + v.volume()
                  + "' admits every host, the tenant's too: name its hosts first (weft volume"
                  + " set-hosts)");
        }
        boolean ours = name.equals(v.tenant());
        for (String h : v.hosts()) {
          if (!ours && next.hosts().contains(h)) {
            throw new NodeException(
                "host '"
                    + h
                    + "' is allowed on volume '"
                    + v.volume()
                    + "', which is not the tenant's");
          }
        }
        if (ours) {
          for (String h : v.hosts()) {
            TenantRecord before = kv.map(TenantService::parse).orElse(null);
            if (before != null && before.hosts().contains(h) && !next.hosts().contains(h)) {
              throw new NodeException(
                  "host '" + h + "' is still allowed on the tenant's volume '" + v.volume() + "'");
            }
          }
        }
      }
      Compare same =
          kv.isEmpty()
              ? Compare.absent(PREFIX + name)
              : Compare.modRevision(PREFIX + name, kv.get().modRevision());
      if (store
          .txn(
              List.of(unchanged(last), same),
              List.of(Op.put(PREFIX + name, json(next)), Op.put(LAST, name)),
              List.of())
          .succeeded()) {
        return next;
      }
    }
    throw new NodeException("tenants keep changing; try again");
  }

  private static TenantRecord require(TenantRecord current, String name) {
    if (current == null) {
      throw new NodeException("no tenant '" + name + "'");
    }
    return current;
  }

  private static List<String> distinct(List<String> hosts) {
    return hosts == null ? List.of() : List.copyOf(new LinkedHashSet<>(hosts));
  }

  private static TenantRecord parse(KeyValue kv) {
    try {
      return JSON.readValue(kv.value(), TenantRecord.class);
    } catch (IOException e) {
      throw new UncheckedIOException("bad tenant record " + kv.key(), e);
    }
  }

  private static byte[] json(TenantRecord t) {
    try {
      return JSON.writeValueAsBytes(t);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** For tests and the API: every tenant by name. */
  public Map<String, TenantRecord> byName() {
    Map<String, TenantRecord> out = new java.util.TreeMap<>();
    list().forEach(t -> out.put(t.name(), t));
    return out;
  }
}
