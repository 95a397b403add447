package dev.asmmigrate.sandbox.controllers;

import static dev.asmmigrate.sandbox.controllers.PodStatuses.list;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** The identities a pod is given: host IP, QoS class, image and container IDs. */
final class PodIdentities {
  private PodIdentities() {}

  /** The node's InternalIP, or one derived from its name ({@code sandbox-node-2} => 10.128.0.4). */
  static String hostIp(Node node, String nodeName) {
    if (node != null && node.getStatus() != null && node.getStatus().getAddresses() != null) {
      for (NodeAddress a : node.getStatus().getAddresses()) {
        if ("InternalIP".equals(a.getType())) {
          return a.getAddress();
        }
      }
    }
    int index = 0;
    int dash = nodeName.lastIndexOf('-');
    try {
      index = Integer.parseInt(nodeName.substring(dash + 1));
    } catch (NumberFormatException e) {
      index = Math.floorMod(nodeName.hashCode(), 250);
    }
    return "10.128." + (index / 250) + "." + (index % 250 + 2);
  }

  /** Guaranteed, Burstable or BestEffort from the containers' requests and limits. */
  static String qosClass(PodSpec spec) {
    List<Container> all = new ArrayList<>(list(spec.getInitContainers()));
    all.addAll(spec.getContainers());
    boolean any = false;
    boolean guaranteed = true;
    for (Container c : all) {
      ResourceRequirements r = c.getResources();
      Map<String, Quantity> requests =
          r == null || r.getRequests() == null ? Map.of() : r.getRequests();
      Map<String, Quantity> limits = r == null || r.getLimits() == null ? Map.of() : r.getLimits();
      any |= hasCpuOrMemory(requests) || hasCpuOrMemory(limits);
      for (String resource : List.of("cpu", "memory")) {
        Quantity limit = limits.get(resource);
        Quantity request = requests.get(resource);
        if (limit == null) {
          guaranteed = false;
        } else if (request != null
            && request.getNumericalAmount().compareTo(limit.getNumericalAmount()) != 0) {
          guaranteed = false;
        }
      }
    }
    if (!any) {
      return "BestEffort";
    }
    return guaranteed ? "Guaranteed" : "Burstable";
  }

  private static boolean hasCpuOrMemory(Map<String, Quantity> m) {
    return m.containsKey("cpu") || m.containsKey("memory");
  }

  /** A content-addressed image ID, as the container runtime reports the pulled image. */
  static String imageId(String image) {
    String repo = image;
    int at = repo.indexOf('@');
    if (at >= 0) {
      return image;
    }
    int slash = repo.lastIndexOf('/');
    int colon = repo.lastIndexOf(':');
    if (colon > slash) {
      repo = repo.substring(0, colon);
    }
    if (!repo.contains("/")) {
      repo = "docker.io/library/" + repo;
    } else if (!repo.substring(0, repo.indexOf('/')).contains(".")) {
      repo = "docker.io/" + repo;
    }
    return repo + "@sha256:" + sha256(image);
  }

  static String containerId(Pod pod, String container, int restarts) {
    return "containerd://" + sha256(pod.getMetadata().getUid() + "/" + container + "/" + restarts);
  }

  private static String sha256(String s) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
