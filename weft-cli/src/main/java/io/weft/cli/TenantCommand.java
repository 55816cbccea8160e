package io.weft.cli;

import io.weft.node.tenant.TenantView;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code weft tenant ...}: the cluster's tenants through any node's management API. A tenant's
 * hosts use only its volumes, its volumes admit only its hosts, and its volumes add up to at most
 * its quota.
 */
@Command(
    name = "tenant",
    mixinStandardHelpOptions = true,
    description = "Manage tenants: hosts and a quota per tenant, its volumes its own.",
    subcommands = {
      TenantCommand.Create.class,
      TenantCommand.ListTenants.class,
      TenantCommand.Show.class,
      TenantCommand.SetHosts.class,
      TenantCommand.SetQuota.class,
      TenantCommand.Delete.class
    })
final class TenantCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  static String quota(long bytes) {
    return bytes == 0 ? "none" : Sizes.format(bytes);
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = {
        "Create a tenant. Its hosts may use its volumes and no other; while tenants exist,",
        "every volume names its hosts."
      })
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;

    @Option(names = "--name", required = true, paramLabel = "NAME", description = "Tenant name.")
    String name;

    @Option(
        names = "--quota",
        paramLabel = "SIZE",
        converter = TargetCommand.SizeConverter.class,
        description = "The most its volumes may add up to (full sizes). Default: no limit.")
    long quota;

    @Option(
        names = "--host",
        paramLabel = "HOSTNQN",
        description = "A host of the tenant; repeatable.")
    List<String> hosts = new ArrayList<>();

    @Override
    public Integer call() {
      TenantView t;
      try (AdminClient client = admin.client()) {
        t = client.createTenant(name, quota, hosts);
      }
      spec.commandLine()
          .getOut()
          .println(
              "created tenant "
                  + t.name()
                  + " (quota "
                  + quota(t.quotaBytes())
                  + ", "
                  + t.hosts().size()
                  + " hosts)");
      spec.commandLine().getOut().flush();
      return ExitCodes.OK;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List tenants.")
  static final class ListTenants implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;
    @Mixin OutputOption output;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (AdminClient client = admin.client()) {
        output.print(
            out,
            client,
            client.tenants(),
            "no tenants",
            new Table("NAME", "USED", "QUOTA", "VOLUMES", "HOSTS"),
            (t, v) ->
                t.row(
                    v.name(),
                    Sizes.format(v.usedBytes()),
                    quota(v.quotaBytes()),
                    v.volumes().size(),
                    v.hosts().size()));
      }
      out.flush();
      return ExitCodes.OK;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one tenant.")
  static final class Show implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;

    @Parameters(index = "0", paramLabel = "NAME", description = "Tenant name.")
    String name;

    @Mixin OutputOption output;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (AdminClient client = admin.client()) {
        TenantView t = client.tenant(name);
        if (output.json()) {
          out.println(client.toJson(t));
        } else {
          out.println("tenant      " + t.name());
          out.println(
              "used        " + Sizes.format(t.usedBytes()) + " of " + quota(t.quotaBytes()));
          out.println(
              "volumes     " + (t.volumes().isEmpty() ? "none" : String.join(", ", t.volumes())));
          out.println(
              "hosts       " + (t.hosts().isEmpty() ? "none" : String.join(", ", t.hosts())));
        }
      }
      out.flush();
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "set-hosts",
      mixinStandardHelpOptions = true,
      description = "Set a tenant's hosts (a host still allowed on its volumes cannot leave).")
  static final class SetHosts implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;

    @Parameters(index = "0", paramLabel = "NAME", description = "Tenant name.")
    String name;

    @Option(names = "--host", paramLabel = "HOSTNQN", description = "A host; repeatable.")
    List<String> hosts = new ArrayList<>();

    @Override
    public Integer call() {
      TenantView t;
      try (AdminClient client = admin.client()) {
        t = client.setTenantHosts(name, hosts);
      }
      spec.commandLine().getOut().println("tenant " + name + ": " + t.hosts().size() + " hosts");
      spec.commandLine().getOut().flush();
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "set-quota",
      mixinStandardHelpOptions = true,
      description = "Set a tenant's quota (not below what its volumes hold); 0 lifts it.")
  static final class SetQuota implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;

    @Parameters(index = "0", paramLabel = "NAME", description = "Tenant name.")
    String name;

    @Option(
        names = "--quota",
        required = true,
        paramLabel = "SIZE",
        converter = QuotaConverter.class,
        description = "The new quota, e.g. 10T; 0 for no limit.")
    long quota;

    @Override
    public Integer call() {
      TenantView t;
      try (AdminClient client = admin.client()) {
        t = client.setTenantQuota(name, quota);
      }
      spec.commandLine()
          .getOut()
          .println(
              "tenant "
                  + name
                  + ": quota "
                  + quota(t.quotaBytes())
                  + ", "
                  + Sizes.format(t.usedBytes())
                  + " used");
      spec.commandLine().getOut().flush();
      return ExitCodes.OK;
    }
  }

  /** A size, or 0 for none. */
  static final class QuotaConverter implements picocli.CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      return value.strip().equals("0") ? 0L : new TargetCommand.SizeConverter().convert(value);
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = "Delete a tenant that has no volume left.")
  static final class Delete implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;

    @Parameters(index = "0", paramLabel = "NAME", description = "Tenant name.")
    String name;

    @Override
    public Integer call() {
      try (AdminClient client = admin.client()) {
        client.deleteTenant(name);
      }
      spec.commandLine().getOut().println("deleted tenant " + name);
      spec.commandLine().getOut().flush();
      return ExitCodes.OK;
    }
  }
}
