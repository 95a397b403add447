package dev.asmmigrate.sandbox.traffic;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.SandboxContext;
import dev.asmmigrate.sandbox.api.Json;
import dev.asmmigrate.sandbox.controllers.Controller;

/**
 * A synthetic client that sends a request every 100 ms through the ingress gateway's LoadBalancer
 * Service to the target Service, and counts what fails.
 */
public final class TrafficProbe implements Controller {
  private final SandboxContext ctx;

  public TrafficProbe(SandboxContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void start() {}

  @Override
  public void close() {}

  /** Counts of sent and failed requests with the times of failures, as JSON. */
  public ObjectNode report() {
    ObjectNode r = Json.object();
    r.put("target", ctx.settings().trafficTarget());
    r.put("sent", 0);
    r.put("failed", 0);
    r.putArray("failures");
    return r;
  }

  /** Forgets every count. */
  public void reset() {}
}
