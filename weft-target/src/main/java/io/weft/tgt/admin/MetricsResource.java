package io.weft.tgt.admin;

import io.weft.tgt.metrics.TargetMetrics;

/**
 * {@code GET /metrics}: the target's metrics in Prometheus' text format, behind the same access
 * control as the rest of the management API (a scraper beyond loopback sends the bearer token).
 */
final class MetricsResource implements AdminResource {
  private final TargetMetrics metrics;

  MetricsResource(TargetMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public void register(Router router) {
    router.get(
        "/metrics", request -> AdminResponse.raw(metrics.scrape(), TargetMetrics.CONTENT_TYPE));
  }
}
