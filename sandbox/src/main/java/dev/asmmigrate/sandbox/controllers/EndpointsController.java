package dev.asmmigrate.sandbox.controllers;

import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.isNotFound;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.isTerminating;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.key;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.nameOf;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.namespaceOf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.SandboxContext;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.EndpointSubsetBuilder;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Endpoints controller: for every Service with a selector, an Endpoints object of the same name
 * listing the selected pods that have an IP: Ready ones in {@code addresses}, the others in {@code
 * notReadyAddresses} (all in {@code addresses} when the Service publishes not-ready addresses),
 * with the Service's ports resolved against each pod (named target ports through the pod's
 * container ports). Pods being deleted and finished pods are left out. Subsets group the pods that
 * resolve to the same ports.
 */
public final class EndpointsController extends SetControllerSupport {
  private static final String TOLERATE_UNREADY =
      "service.alpha.kubernetes.io/tolerate-unready-endpoints";

  private volatile SharedIndexInformer<Service> services;

  public EndpointsController(SandboxContext ctx) {
    super(ctx, "endpoints-controller");
  }

  @Override
  protected void onStart() {
    services =
        informChanges(
            Service.class, (before, after) -> queue.add(key(after != null ? after : before)));
    informChanges(Pod.class, this::onPod);
    informChanges(
        Endpoints.class,
        (before, after) -> {
          if (after == null) {
            queue.add(key(before)); // recreated if its Service still exists
          }
        });
  }

  private void onPod(Pod before, Pod after) {
    if (services == null) {
      return;
    }
    for (Pod p : new Pod[] {before, after}) {
      if (p == null) {
        continue;
      }
      for (Service s : services.getStore().list()) {
        if (Objects.equals(s.getMetadata().getNamespace(), p.getMetadata().getNamespace())
            && s.getSpec() != null
            && WorkloadSupport.matches(s.getSpec().getSelector(), p.getMetadata().getLabels())) {
          queue.add(key(s));
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Override
  protected void reconcile(String key) {
    String ns = namespaceOf(key);
    String name = nameOf(key);
    Service service = client.services().inNamespace(ns).withName(name).get();
    if (service == null) {
      try {
        client.endpoints().inNamespace(ns).withName(name).delete();
      } catch (RuntimeException e) {
        if (!isNotFound(e)) {
          throw e;
        }
      }
      return;
    }
    Map<String, String> selector =
        service.getSpec() == null ? null : service.getSpec().getSelector();
    if (selector == null || selector.isEmpty() || isTerminating(service)) {
      return; // Endpoints of selector-less Services are the user's to manage
    }
    List<Pod> selected = client.pods().inNamespace(ns).withLabels(selector).list().getItems();
    List<EndpointSubset> subsets = subsets(service, selected);
    Endpoints current = client.endpoints().inNamespace(ns).withName(name).get();
    Map<String, String> labels = new LinkedHashMap<>();
    if (service.getMetadata().getLabels() != null) {
      labels.putAll(service.getMetadata().getLabels());
    }
    if ("None".equals(service.getSpec().getClusterIP())) {
      labels.put("service.kubernetes.io/headless", "");
    }
    if (current == null) {
      Endpoints created =
          new EndpointsBuilder()
              .withNewMetadata()
              .withName(name)
              .withNamespace(ns)
              .withLabels(labels.isEmpty() ? null : labels)
              .endMetadata()
              .withSubsets(subsets)
              .build();
      client.endpoints().inNamespace(ns).resource(created).create();
      return;
    }
    Map<String, String> currentLabels =
        current.getMetadata().getLabels() == null ? Map.of() : current.getMetadata().getLabels();
    List<EndpointSubset> currentSubsets =
        current.getSubsets() == null ? List.of() : current.getSubsets();
    if (currentSubsets.equals(subsets) && currentLabels.equals(labels)) {
      return;
    }
    Endpoints copy = client.getKubernetesSerialization().clone(current);
    copy.getMetadata().setLabels(labels.isEmpty() ? null : labels);
    copy.setSubsets(subsets);
    client.endpoints().inNamespace(ns).resource(copy).update();
  }

  /**
   * Whether the Endpoints of every Service with a selector list what this controller would list for
   * the pods stored now: it has caught up with the pods (part of a settled cluster).
   */
  public static boolean caughtUp(ObjectStore store) {
    KubernetesSerialization json = new KubernetesSerialization();
    Map<String, List<Pod>> podsByNamespace = new java.util.HashMap<>();
    for (ObjectNode node : store.list(ResourceRegistry.SERVICES, null)) {
      Service service = json.unmarshal(node.toString(), Service.class);
      Map<String, String> selector =
          service.getSpec() == null ? null : service.getSpec().getSelector();
      if (selector == null || selector.isEmpty() || isTerminating(service)) {
        continue;
      }
      String ns = service.getMetadata().getNamespace();
      List<Pod> selected = new ArrayList<>();
      List<Pod> pods =
          podsByNamespace.computeIfAbsent(
              ns,
              n ->
                  store.list(ResourceRegistry.PODS, n).stream()
                      .map(pod -> json.unmarshal(pod.toString(), Pod.class))
                      .toList());
      for (Pod p : pods) {
        if (WorkloadSupport.matches(selector, p.getMetadata().getLabels())) {
          selected.add(p);
        }
      }
      List<EndpointSubset> current =
          store
              .get(ResourceRegistry.ENDPOINTS, ns, service.getMetadata().getName())
              .map(ep -> json.unmarshal(ep.toString(), Endpoints.class))
              .map(ep -> ep.getSubsets() == null ? List.<EndpointSubset>of() : ep.getSubsets())
              .orElse(null);
      if (current == null || !current.equals(subsets(service, selected))) {
        return false;
      }
    }
    return true;
  }

  /** The subsets for a Service's selected pods, as the real controller packs them. */
  static List<EndpointSubset> subsets(Service service, List<Pod> pods) {
    boolean publishNotReady =
        Boolean.TRUE.equals(service.getSpec().getPublishNotReadyAddresses())
            || (service.getMetadata().getAnnotations() != null
                && "true"
                    .equalsIgnoreCase(
                        service.getMetadata().getAnnotations().get(TOLERATE_UNREADY)));
    List<ServicePort> servicePorts =
        service.getSpec().getPorts() == null ? List.of() : service.getSpec().getPorts();
    // pods grouped by the ports they resolve to
    Map<List<EndpointPort>, List<EndpointAddress>> ready = new LinkedHashMap<>();
    Map<List<EndpointPort>, List<EndpointAddress>> notReady = new LinkedHashMap<>();
    for (Pod pod : pods) {
      if (pod.getStatus() == null
          || pod.getStatus().getPodIP() == null
          || pod.getStatus().getPodIP().isEmpty()) {
        continue;
      }
      String phase = WorkloadSupport.phase(pod);
      if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
        continue;
      }
      if (isTerminating(pod) && !publishNotReady) {
        continue;
      }
      List<EndpointPort> ports = new ArrayList<>();
      boolean resolvedAll = true;
      for (ServicePort sp : servicePorts) {
        Integer port = resolve(pod, sp);
        if (port == null) {
          resolvedAll = false;
          continue;
        }
        ports.add(
            new EndpointPortBuilder()
                .withName(sp.getName())
                .withPort(port)
                .withProtocol(sp.getProtocol() == null ? "TCP" : sp.getProtocol())
                .withAppProtocol(sp.getAppProtocol())
                .build());
      }
      if (!servicePorts.isEmpty() && ports.isEmpty() && !resolvedAll) {
        continue; // no port of the Service exists on this pod
      }
      ports.sort(
          Comparator.comparing((EndpointPort p) -> p.getName() == null ? "" : p.getName())
              .thenComparing(EndpointPort::getPort));
      EndpointAddress address = address(service, pod);
      boolean isReady = WorkloadSupport.isReady(pod) && !isTerminating(pod);
      (isReady || publishNotReady ? ready : notReady)
          .computeIfAbsent(ports, k -> new ArrayList<>())
          .add(address);
    }
    Map<List<EndpointPort>, EndpointSubsetBuilder> byPorts = new LinkedHashMap<>();
    for (Map.Entry<List<EndpointPort>, List<EndpointAddress>> e : ready.entrySet()) {
      byPorts
          .computeIfAbsent(e.getKey(), k -> new EndpointSubsetBuilder().withPorts(k))
          .withAddresses(sorted(e.getValue()));
    }
    for (Map.Entry<List<EndpointPort>, List<EndpointAddress>> e : notReady.entrySet()) {
      byPorts
          .computeIfAbsent(e.getKey(), k -> new EndpointSubsetBuilder().withPorts(k))
          .withNotReadyAddresses(sorted(e.getValue()));
    }
    List<EndpointSubset> subsets = new ArrayList<>();
    for (EndpointSubsetBuilder b : byPorts.values()) {
      subsets.add(b.build());
    }
    subsets.sort(Comparator.comparing(EndpointsController::firstIp));
    return subsets;
  }

  private static String firstIp(EndpointSubset s) {
    if (s.getAddresses() != null && !s.getAddresses().isEmpty()) {
      return s.getAddresses().get(0).getIp();
    }
    if (s.getNotReadyAddresses() != null && !s.getNotReadyAddresses().isEmpty()) {
      return s.getNotReadyAddresses().get(0).getIp();
    }
    return "";
  }

  private static List<EndpointAddress> sorted(List<EndpointAddress> addresses) {
    List<EndpointAddress> out = new ArrayList<>(addresses);
    out.sort(
        Comparator.comparing(EndpointAddress::getIp)
            .thenComparing(a -> a.getTargetRef() == null ? "" : a.getTargetRef().getUid()));
    return out;
  }

  private static EndpointAddress address(Service service, Pod pod) {
    EndpointAddressBuilder b =
        new EndpointAddressBuilder()
            .withIp(pod.getStatus().getPodIP())
            .withNodeName(pod.getSpec().getNodeName())
            .withNewTargetRef()
            .withKind("Pod")
            .withNamespace(pod.getMetadata().getNamespace())
            .withName(pod.getMetadata().getName())
            .withUid(pod.getMetadata().getUid())
            .endTargetRef();
    String hostname = pod.getSpec().getHostname();
    if (hostname != null
        && !hostname.isEmpty()
        && service.getMetadata().getName().equals(pod.getSpec().getSubdomain())
        && service.getMetadata().getNamespace().equals(pod.getMetadata().getNamespace())) {
      b.withHostname(hostname);
    }
    return b.build();
  }

  /** The pod's port for a Service port: a number as is, a name through the container ports. */
  static Integer resolve(Pod pod, ServicePort sp) {
    IntOrString target = sp.getTargetPort();
    if (target == null) {
      return sp.getPort();
    }
    if (target.getIntVal() != null) {
      return target.getIntVal();
    }
    String name = target.getStrVal();
    if (name == null || name.isEmpty()) {
      return sp.getPort();
    }
    if (name.chars().allMatch(Character::isDigit)) {
      return Integer.parseInt(name);
    }
    String protocol = sp.getProtocol() == null ? "TCP" : sp.getProtocol();
    for (Container c : pod.getSpec().getContainers()) {
      if (c.getPorts() == null) {
        continue;
      }
      for (ContainerPort p : c.getPorts()) {
        String pp = p.getProtocol() == null ? "TCP" : p.getProtocol();
        if (name.equals(p.getName()) && protocol.equals(pp)) {
          return p.getContainerPort();
        }
      }
    }
    return null;
  }
}
