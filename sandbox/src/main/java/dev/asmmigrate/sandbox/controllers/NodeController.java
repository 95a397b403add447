package dev.asmmigrate.sandbox.controllers;

import dev.asmmigrate.sandbox.SandboxContext;
import dev.asmmigrate.sandbox.SandboxSettings;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The simulated nodes, as their kubelets register and report them: {@code ctx.settings().nodes()}
 * Nodes {@code sandbox-node-0..n-1} of one GKE node pool, created if absent, with the labels,
 * addresses, capacity, allocatable and nodeInfo of a GKE e2-standard-4 node (kubelet and kube-proxy
 * at the master's version), and conditions MemoryPressure, DiskPressure, PIDPressure False and
 * Ready True. Every {@link #HEARTBEAT} the conditions' {@code lastHeartbeatTime} is renewed; their
 * statuses are kept as they are, so a test may mark a node NotReady through the status subresource
 * and it stays so.
 */
public final class NodeController extends SetControllerSupport {
  /** How often the simulated kubelets renew their nodes' condition heartbeats. */
  static final Duration HEARTBEAT = Duration.ofSeconds(30);

  static final String NODE_POOL = "default-pool";
  static final String MACHINE_TYPE = "e2-standard-4";
  private static final String REGISTER = "\u0000register";

  private volatile ScheduledFuture<?> heartbeat;

  public NodeController(SandboxContext ctx) {
    super(ctx, "node-controller");
  }

  /** The names of the simulated nodes. */
  public static List<String> nodeNames(SandboxSettings settings) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < settings.nodes(); i++) {
      names.add("sandbox-node-" + i);
    }
    return names;
  }

  @Override
  protected void onStart() {
    queue.add(REGISTER);
    heartbeat =
        ctx.scheduler()
            .scheduleWithFixedDelay(
                () -> nodeNames(ctx.settings()).forEach(queue::add),
                HEARTBEAT.toMillis(),
                HEARTBEAT.toMillis(),
                TimeUnit.MILLISECONDS);
  }

  @Override
  protected void reconcile(String key) {
    if (REGISTER.equals(key)) {
      List<String> names = nodeNames(ctx.settings());
      for (int i = 0; i < names.size(); i++) {
        register(names.get(i), i);
      }
      return;
    }
    renewHeartbeat(key);
  }

  private void register(String name, int index) {
    Node existing = client.nodes().withName(name).get();
    if (existing != null) {
      return;
    }
    Node node = describe(name, index, clock.instant());
    Node created;
    try {
      created = client.nodes().resource(node).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return; // registered meanwhile
      }
      throw e;
    }
    if (created.getStatus() == null
        || created.getStatus().getConditions() == null
        || created.getStatus().getConditions().isEmpty()) {
      // an API server that drops status on create: report it as the kubelet does, separately
      created.setStatus(node.getStatus());
      client.nodes().resource(created).updateStatus();
    }
  }

  private void renewHeartbeat(String name) {
    Node node = client.nodes().withName(name).get();
    if (node == null || node.getStatus() == null || node.getStatus().getConditions() == null) {
      return;
    }
    String now = SetPods.time(clock.instant());
    for (NodeCondition c : node.getStatus().getConditions()) {
      c.setLastHeartbeatTime(now);
    }
    client.nodes().resource(node).updateStatus();
  }

  /** A registered GKE node of the sandbox's cluster, as its kubelet reports it. */
  Node describe(String name, int index, Instant now) {
    SandboxSettings s = ctx.settings();
    String location = s.location();
    boolean zonal = location.matches(".*-[a-z]$");
    String region = zonal ? location.substring(0, location.lastIndexOf('-')) : location;
    String zone = zonal ? location : region + "-" + "abc".charAt(index % 3);
    String version = "v" + s.masterVersion();
    String time = SetPods.time(now);
    String internalIp = "10.128.0." + (10 + index);
    String externalIp = "34.70.0." + (10 + index);
    String podCidr = "10.4." + index + ".0/24";

    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("beta.kubernetes.io/arch", "amd64");
    labels.put("beta.kubernetes.io/instance-type", MACHINE_TYPE);
    labels.put("beta.kubernetes.io/os", "linux");
    labels.put("cloud.google.com/gke-boot-disk", "pd-standard");
    labels.put("cloud.google.com/gke-container-runtime", "containerd");
    labels.put("cloud.google.com/gke-nodepool", NODE_POOL);
    labels.put("cloud.google.com/gke-os-distribution", "cos");
    labels.put("cloud.google.com/machine-family", "e2");
    labels.put("failure-domain.beta.kubernetes.io/region", region);
    labels.put("failure-domain.beta.kubernetes.io/zone", zone);
    labels.put("kubernetes.io/arch", "amd64");
    labels.put("kubernetes.io/hostname", name);
    labels.put("kubernetes.io/os", "linux");
    labels.put("node.kubernetes.io/instance-type", MACHINE_TYPE);
    labels.put("topology.kubernetes.io/region", region);
    labels.put("topology.kubernetes.io/zone", zone);

    Map<String, Quantity> capacity = new LinkedHashMap<>();
    capacity.put("attachable-volumes-gce-pd", new Quantity("127"));
    capacity.put("cpu", new Quantity("4"));
    capacity.put("ephemeral-storage", new Quantity("98868448Ki"));
    capacity.put("hugepages-1Gi", new Quantity("0"));
    capacity.put("hugepages-2Mi", new Quantity("0"));
    capacity.put("memory", new Quantity("16393756Ki"));
    capacity.put("pods", new Quantity("110"));
    Map<String, Quantity> allocatable = new LinkedHashMap<>(capacity);
    allocatable.put("cpu", new Quantity("3920m"));
    allocatable.put("ephemeral-storage", new Quantity("47093746742"));
    allocatable.put("memory", new Quantity("13226524Ki"));

    List<NodeCondition> conditions = new ArrayList<>();
    conditions.add(
        condition(
            "NetworkUnavailable",
            "False",
            "RouteCreated",
            "RouteController created a route",
            time));
    conditions.add(
        condition(
            "MemoryPressure",
            "False",
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available",
            time));
    conditions.add(
        condition(
            "DiskPressure",
            "False",
            "KubeletHasNoDiskPressure",
            "kubelet has no disk pressure",
            time));
    conditions.add(
        condition(
            "PIDPressure",
            "False",
            "KubeletHasSufficientPID",
            "kubelet has sufficient PID available",
            time));
    conditions.add(
        condition(
            "Ready",
            "True",
            "KubeletReady",
            "kubelet is posting ready status. AppArmor enabled",
            time));

    String machineId =
        UUID.nameUUIDFromBytes((s.project() + "/" + name).getBytes()).toString().replace("-", "");
    return new NodeBuilder()
        .withNewMetadata()
        .withName(name)
        .withLabels(labels)
        .addToAnnotations(
            "container.googleapis.com/instance_id", Long.toString(4_000_000_000_000_000L + index))
        .addToAnnotations("node.alpha.kubernetes.io/ttl", "0")
        .addToAnnotations("volumes.kubernetes.io/controller-managed-attach-detach", "true")
        .endMetadata()
        .withNewSpec()
        .withPodCIDR(podCidr)
        .withPodCIDRs(podCidr)
        .withProviderID("gce://" + s.project() + "/" + zone + "/" + name)
        .endSpec()
        .withNewStatus()
        .withAddresses(
            new NodeAddress(internalIp, "InternalIP"),
            new NodeAddress(externalIp, "ExternalIP"),
            new NodeAddress(name + "." + zone + ".c." + s.project() + ".internal", "InternalDNS"),
            new NodeAddress(name + "." + zone + ".c." + s.project() + ".internal", "Hostname"))
        .withCapacity(capacity)
        .withAllocatable(allocatable)
        .withConditions(conditions)
        .withNewDaemonEndpoints()
        .withNewKubeletEndpoint(10250)
        .endDaemonEndpoints()
        .withNewNodeInfo()
        .withArchitecture("amd64")
        .withBootID(UUID.randomUUID().toString())
        .withContainerRuntimeVersion("containerd://1.4.3")
        .withKernelVersion("5.4.89+")
        .withKubeProxyVersion(version)
        .withKubeletVersion(version)
        .withMachineID(machineId)
        .withOperatingSystem("linux")
        .withOsImage("Container-Optimized OS from Google")
        .withSystemUUID(machineId)
        .endNodeInfo()
        .endStatus()
        .build();
  }

  private static NodeCondition condition(
      String type, String status, String reason, String message, String time) {
    NodeCondition c = new NodeCondition();
    c.setType(type);
    c.setStatus(status);
    c.setReason(reason);
    c.setMessage(message);
    c.setLastHeartbeatTime(time);
    c.setLastTransitionTime(time);
    return c;
  }

  @Override
  protected void onClose() {
    ScheduledFuture<?> h = heartbeat;
    if (h != null) {
      h.cancel(false);
    }
  }
}
