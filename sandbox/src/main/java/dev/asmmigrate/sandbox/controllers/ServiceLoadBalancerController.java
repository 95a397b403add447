package dev.asmmigrate.sandbox.controllers;

import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.key;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.nameOf;
import static dev.asmmigrate.sandbox.controllers.WorkloadSupport.namespaceOf;

import dev.asmmigrate.sandbox.SandboxContext;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.LoadBalancerStatus;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceStatus;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The cloud provider's service controller: a Service of type LoadBalancer gets a fake external IP
 * in {@code status.loadBalancer.ingress[0].ip} (its {@code spec.loadBalancerIP} when set, otherwise
 * one in 34.120.0.0/16 derived from its namespace and name), kept for the Service's life and the
 * same again if it is recreated. A Service that stops being a LoadBalancer loses it.
 */
public final class ServiceLoadBalancerController extends SetControllerSupport {
  /** kube-controller-manager's {@code --concurrent-service-syncs} default. */
  private static final int WORKERS = 1;

  private volatile SharedIndexInformer<Service> services;

  public ServiceLoadBalancerController(SandboxContext ctx) {
    super(ctx, "service-lb-controller", WORKERS);
  }

  @Override
  protected void onStart() {
    services =
        informChanges(
            Service.class,
            (before, after) -> {
              if (after != null) {
                queue.add(key(after));
              }
            });
  }

  @Override
  protected void reconcile(String key) {
    Service service = client.services().inNamespace(namespaceOf(key)).withName(nameOf(key)).get();
    if (service == null || service.getSpec() == null) {
      return;
    }
    boolean isLb = "LoadBalancer".equals(service.getSpec().getType());
    LoadBalancerStatus current =
        service.getStatus() == null ? null : service.getStatus().getLoadBalancer();
    List<LoadBalancerIngress> ingress = current == null ? null : current.getIngress();
    boolean hasIp = ingress != null && !ingress.isEmpty() && ingress.get(0).getIp() != null;
    String requested = service.getSpec().getLoadBalancerIP();
    if (isLb && service.getMetadata().getDeletionTimestamp() == null) {
      String want;
      if (requested != null && !requested.isEmpty()) {
        want = requested;
      } else if (hasIp) {
        return; // the IP is kept for the Service's life
      } else {
        want = allocate(service);
      }
      if (hasIp && want.equals(ingress.get(0).getIp())) {
        return;
      }
      writeIngress(service, List.of(new LoadBalancerIngressBuilder().withIp(want).build()));
    } else if (ingress != null && !ingress.isEmpty()) {
      writeIngress(service, List.of());
    }
  }

  private void writeIngress(Service service, List<LoadBalancerIngress> ingress) {
    Service copy = client.getKubernetesSerialization().clone(service);
    ServiceStatus status = copy.getStatus() == null ? new ServiceStatus() : copy.getStatus();
    LoadBalancerStatus lb = new LoadBalancerStatus();
    lb.setIngress(ingress.isEmpty() ? null : ingress);
    status.setLoadBalancer(lb);
    copy.setStatus(status);
    client
        .services()
        .inNamespace(service.getMetadata().getNamespace())
        .resource(copy)
        .updateStatus();
  }

  /** The Service's own address, unless another LoadBalancer already holds it. */
  private String allocate(Service service) {
    Set<String> taken = new HashSet<>();
    for (Service s : services.getStore().list()) {
      if (s.getStatus() != null
          && s.getStatus().getLoadBalancer() != null
          && s.getStatus().getLoadBalancer().getIngress() != null
          && !Objects.equals(s.getMetadata().getUid(), service.getMetadata().getUid())) {
        s.getStatus().getLoadBalancer().getIngress().forEach(i -> taken.add(i.getIp()));
      }
    }
    String seed = service.getMetadata().getNamespace() + "/" + service.getMetadata().getName();
    for (int attempt = 0; ; attempt++) {
      String ip = ipFor(attempt == 0 ? seed : seed + "#" + attempt);
      if (!taken.contains(ip)) {
        return ip;
      }
    }
  }

  /** A stable address in 34.120.0.0/16 for a seed, avoiding .0 and .255. */
  static String ipFor(String seed) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(seed.getBytes(StandardCharsets.UTF_8));
      int x = d[0] & 0xff;
      int y = 1 + (d[1] & 0xff) % 254;
      return "34.120." + x + "." + y;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
