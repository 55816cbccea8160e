package io.weft.cli;

import io.weft.node.pool.PoolView;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code weft pool ...}: the cluster's pools (the nodes that share a {@code pool} label, {@code
 * weft node --pool}) with what they hold and promise, and each pool's overcommit ratio.
 */
@Command(
    name = "pool",
    mixinStandardHelpOptions = true,
    description = "Show pools and set how far their thin volumes may overcommit them.",
    subcommands = {PoolCommand.ListPools.class, PoolCommand.Set.class})
final class PoolCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "List pools: their nodes, capacity, what the ratio lets them promise, what is promised,",
        "what is left on the nodes that are up, and what their replicas occupy on disk."
      })
  static final class ListPools implements Callable<Integer> {
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
            client.pools(),
            "no pools: no node has joined",
            new Table(
                "POOL", "NODES", "CAPACITY", "RATIO", "PROMISABLE", "PROMISED", "FREE", "WRITTEN"),
            (t, p) ->
                t.row(
                    p.name(),
                    p.nodes().size(),
                    Sizes.format(p.capacityBytes()),
                    ratio(p),
                    Sizes.format(p.promisableBytes()),
                    Sizes.format(p.committedBytes()),
                    Sizes.format(p.freeBytes()),
                    Sizes.format(p.usedBytes())));
      }
      out.flush();
      return ExitCodes.OK;
    }
  }

  static String ratio(PoolView p) {
    return String.format(java.util.Locale.ROOT, "%.2gx", p.overcommitRatio());
  }

  @Command(
      name = "set",
      mixinStandardHelpOptions = true,
      description = {
        "Set a pool's overcommit ratio: 1 promises no more than its disks hold, 3 three times as",
        "much. A lower ratio takes nothing away; the pool only takes no new volume until its",
        "promises fit."
      })
  static final class Set implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin AdminOptions admin;

    @Parameters(
        index = "0",
        paramLabel = "POOL",
        description = "Pool name (default: nodes without one).")
    String name;

    @Option(
        names = "--overcommit",
        required = true,
        paramLabel = "RATIO",
        description = "From 1 to 20.")
    double ratio;

    @Override
    public Integer call() {
      PoolView p;
      try (AdminClient client = admin.client()) {
        p = client.setPool(name, ratio);
      }
      spec.commandLine()
          .getOut()
          .println(
              "pool "
                  + name
                  + ": overcommit "
                  + ratio(p)
                  + ", "
                  + Sizes.format(p.promisableBytes())
                  + " promisable, "
                  + Sizes.format(p.freeBytes())
                  + " free");
      spec.commandLine().getOut().flush();
      return ExitCodes.OK;
    }
  }
}
