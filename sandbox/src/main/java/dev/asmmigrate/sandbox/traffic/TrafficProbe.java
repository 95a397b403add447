package dev.asmmigrate.sandbox.traffic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.Faults;
import dev.asmmigrate.sandbox.SandboxContext;
import dev.asmmigrate.sandbox.api.Json;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.controllers.Controller;
import dev.asmmigrate.sandbox.istio.MeshTrust;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A synthetic client that sends a request every 100 ms through the ingress gateway's LoadBalancer
 * Service to the target Service, and counts what fails.
 *
 * <p>A request succeeds only if the LoadBalancer Service {@code istio-system/istio-ingressgateway}
 * has an ingress IP, its Endpoints list a ready gateway pod that still exists (one that has begun
 * terminating may still serve, as it drains), the target Service's Endpoints list a ready pod that
 * still exists, and the gateway's proxy and the target's proxy trust each other ({@link
 * MeshTrust}). Gateway and target pods are picked round-robin, so mixed states show. While the
 * target namespace or the gateway Service does not exist, the probe idles and counts nothing; and
 * it counts nothing until its first request succeeds (the sandbox booting is not an outage: its
 * pods are still starting), which the report shows as {@code warmingUp}.
 *
 * <p>It reads the store directly: it simulates the network (kube-proxy and the load balancer), not
 * an API client.
 */
public final class TrafficProbe implements Controller {
  static final String GATEWAY_NAMESPACE = "istio-system";
  static final String GATEWAY_SERVICE = "istio-ingressgateway";
  private static final long PERIOD_MILLIS = 100;
  private static final int MAX_FAILURES = 1000;
  private static final Logger log = LoggerFactory.getLogger(TrafficProbe.class);

  private final SandboxContext ctx;
  private final ObjectStore store;
  private final MeshTrust trust;
  private final Object lock = new Object();
  private final Deque<Failure> failures = new ArrayDeque<>();
  private long sent;
  private long failed;
  private boolean warmedUp;
  private int gatewayCursor;
  private int targetCursor;
  private volatile ScheduledFuture<?> task;

  /** One failed request. */
  record Failure(Instant time, String reason) {}

  /** What became of one request: nothing sent (idle), success, or a failure and its reason. */
  record Outcome(boolean sent, String failure) {
    static final Outcome IDLE = new Outcome(false, null);
    static final Outcome OK = new Outcome(true, null);

    static Outcome failed(String reason) {
      return new Outcome(true, reason);
    }

    boolean failed() {
      return failure != null;
    }
  }

  public TrafficProbe(SandboxContext ctx) {
    this.ctx = ctx;
    this.store = ctx.store();
    this.trust =
        new MeshTrust(
            store,
            () ->
                ctx.faults().proxyRootPickupHeld
                    ? Faults.PICKUP_HELD
                    : ctx.settings().proxyRootPickupDelay());
  }

  @Override
  public void start() {
    if (task != null) {
      return;
    }
    try {
      task =
          ctx.scheduler()
              .scheduleAtFixedRate(this::tick, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // the sandbox is shutting down
    }
  }

  @Override
  public void close() {
    ScheduledFuture<?> t = task;
    if (t != null) {
      t.cancel(false);
    }
  }

  /** Counts of sent and failed requests with the times of failures, as JSON. */
  public ObjectNode report() {
    ObjectNode r = Json.object();
    r.put("target", ctx.settings().trafficTarget());
    synchronized (lock) {
      r.put("warmingUp", !warmedUp);
      r.put("sent", sent);
      r.put("failed", failed);
      ArrayNode list = r.putArray("failures");
      for (Failure f : failures) {
        list.addObject().put("time", f.time().toString()).put("reason", f.reason());
      }
    }
    return r;
  }

  /** Forgets every count (not the warm-up: a reset during an outage counts the outage). */
  public void reset() {
    synchronized (lock) {
      sent = 0;
      failed = 0;
      failures.clear();
    }
  }

  private void tick() {
    try {
      Outcome outcome = sendOne();
      if (!outcome.sent()) {
        return;
      }
      synchronized (lock) {
        if (!warmedUp && outcome.failed()) {
          return;
        }
        warmedUp = true;
        sent++;
        if (outcome.failed()) {
          failed++;
          failures.addLast(new Failure(Instant.now(), outcome.failure()));
          while (failures.size() > MAX_FAILURES) {
            failures.removeFirst();
          }
        }
      }
    } catch (RuntimeException e) {
      log.warn("traffic probe: request could not be simulated", e); // never kill the schedule
    }
  }

  /** One request, not counted. Package-private for tests, which drive it without the schedule. */
  Outcome sendOne() {
    String target = ctx.settings().trafficTarget();
    String ns = target.contains("/") ? target.substring(0, target.indexOf('/')) : "default";
    String name = target.substring(target.indexOf('/') + 1);
    if (store.get(ResourceRegistry.NAMESPACES, null, ns).isEmpty()) {
      return Outcome.IDLE;
    }
    Optional<ObjectNode> gatewayService =
        store.get(ResourceRegistry.SERVICES, GATEWAY_NAMESPACE, GATEWAY_SERVICE);
    if (gatewayService.isEmpty()) {
      return Outcome.IDLE;
    }
    JsonNode ingress = gatewayService.get().path("status").path("loadBalancer").path("ingress");
    boolean hasIp = false;
    for (JsonNode i : ingress) {
      hasIp |= !i.path("ip").asText("").isEmpty() || !i.path("hostname").asText("").isEmpty();
    }
    if (!hasIp) {
      return Outcome.failed(
          "connection timed out: LoadBalancer Service istio-system/istio-ingressgateway has no"
              + " ingress IP");
    }
    List<String> gateways = readyEndpointPods(GATEWAY_NAMESPACE, GATEWAY_SERVICE);
    if (gateways.isEmpty()) {
      return Outcome.failed(
          "connection refused: no ready ingress gateway pod behind"
              + " istio-system/istio-ingressgateway");
    }
    String gatewayName = gateways.get(Math.floorMod(gatewayCursor++, gateways.size()));
    Optional<ObjectNode> gateway = store.get(ResourceRegistry.PODS, GATEWAY_NAMESPACE, gatewayName);
    if (gateway.isEmpty()) {
      return Outcome.failed(
          "connection refused: gateway pod istio-system/" + gatewayName + " is gone");
    }
    if (store.get(ResourceRegistry.SERVICES, ns, name).isEmpty()) {
      return Outcome.failed("503 no healthy upstream: Service " + target + " does not exist");
    }
    List<String> targets = readyEndpointPods(ns, name);
    if (targets.isEmpty()) {
      return Outcome.failed(
          "503 no healthy upstream: Service " + target + " has no ready endpoint");
    }
    String targetName = targets.get(Math.floorMod(targetCursor++, targets.size()));
    Optional<ObjectNode> server = store.get(ResourceRegistry.PODS, ns, targetName);
    if (server.isEmpty()) {
      return Outcome.failed(
          "503 upstream connect error: pod " + ns + "/" + targetName + " is gone");
    }
    String tls = trust.connectionFailure(gateway.get(), server.get());
    if (tls != null) {
      return Outcome.failed("503 upstream connect error: " + tls);
    }
    return Outcome.OK;
  }

  /** The pods a Service's Endpoints list as ready, as kube-proxy routes to them. */
  private List<String> readyEndpointPods(String namespace, String service) {
    List<String> pods = new ArrayList<>();
    store
        .get(ResourceRegistry.ENDPOINTS, namespace, service)
        .ifPresent(
            ep -> {
              for (JsonNode subset : ep.path("subsets")) {
                for (JsonNode address : subset.path("addresses")) {
                  JsonNode ref = address.path("targetRef");
                  String pod = ref.path("name").asText("");
                  if (ref.path("kind").asText("Pod").equals("Pod")
                      && !pod.isEmpty()
                      && !pods.contains(pod)) {
                    pods.add(pod);
                  }
                }
              }
            });
    return pods;
  }
}
