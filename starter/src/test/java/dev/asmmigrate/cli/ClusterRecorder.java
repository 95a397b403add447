package dev.asmmigrate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asmmigrate.sandbox.ClusterSnapshot;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.api.WatchEvent;
import dev.asmmigrate.sandbox.istio.MeshCa;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Watches a sandbox's store from the start of a migration: every backup as first written and any
 * later change to it, every rollout restart (a change of a pod template's restartedAt), and the
 * moments a test kills a process at.
 */
final class ClusterRecorder implements AutoCloseable {
  static final String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";
  static final String SHA_ANNOTATION = "asm-migrate.dev/sha256";
  static final String BACKUP_LABEL = "asm-migrate.dev/backup";
  static final String APP_NAMESPACE = "online-boutique";

  /** The Mesh CA root's base64 body, as it appears in any PEM bundle whatever its line breaks. */
  static final String MESH_CA_ROOT_BODY = pemBody(MeshCa.ROOT_PEM);

  /** Backup ({@code Kind/name}) to {@code sha256@resourceVersion} of its first write. */
  private final Map<String, String> backups = Collections.synchronizedMap(new TreeMap<>());

  /** Changes to a backup after its first write: there must be none. */
  private final List<String> backupRewrites = Collections.synchronizedList(new ArrayList<>());

  /** {@code Kind namespace/name} of a workload to how many times its restartedAt changed. */
  private final Map<String, Integer> restarts = Collections.synchronizedMap(new TreeMap<>());

  /** Counts down when the first Deployment of the application gets a restartedAt. */
  final CountDownLatch appRestartBegun = new CountDownLatch(1);

  /** The most Mesh CA roots istio-ca-secret's ca-cert.pem ever held at once. */
  private final AtomicInteger maxMeshCaRoots = new AtomicInteger();

  /** Counts down when istio-ca-secret's ca-cert.pem first holds the Mesh CA root. */
  final CountDownLatch meshCaRootAppended = new CountDownLatch(1);

  /** {@code namespace/name} of each Deployment to its revision when the recording began. */
  private final Map<String, Long> revisionsAtStart = new TreeMap<>();

  private final ObjectStore store;
  private final Runnable unsubscribe;

  ClusterRecorder(ObjectStore store) {
    this.store = store;
    this.unsubscribe = store.subscribe(this::onEvent);
    for (JsonNode d : store.list(ResourceRegistry.DEPLOYMENTS, null)) {
      revisionsAtStart.put(key(d), revision(d));
    }
  }

  private void onEvent(WatchEvent e) {
    String ns = e.namespace();
    boolean backupKind =
        e.resource().equals(ResourceRegistry.CONFIGMAPS)
            || e.resource().equals(ResourceRegistry.SECRETS);
    boolean backup =
        "true".equals(e.object().path("metadata").path("labels").path(BACKUP_LABEL).asText());
    // the backup namespace also gets the control planes' istio.default and istio-ca-root-cert
    if (ClusterSnapshot.BACKUP_NAMESPACE.equals(ns) && backupKind && backup) {
      String key = e.resource().kind() + "/" + e.name();
      String version =
          e.object().path("metadata").path("annotations").path(SHA_ANNOTATION).asText()
              + "@"
              + e.object().path("metadata").path("resourceVersion").asText();
      if (e.type().equals("ADDED") && backups.putIfAbsent(key, version) == null) {
        return;
      }
      backupRewrites.add(e.type() + " " + key + " (first written as " + backups.get(key) + ")");
      return;
    }
    boolean workload =
        e.resource().equals(ResourceRegistry.DEPLOYMENTS)
            || e.resource().equals(ResourceRegistry.STATEFULSETS)
            || e.resource().equals(ResourceRegistry.DAEMONSETS);
    if (workload && e.type().equals("MODIFIED")) {
      String before = restartedAt(e.oldObject());
      String after = restartedAt(e.object());
      if (after != null && !after.equals(before)) {
        restarts.merge(e.resource().kind() + " " + ns + "/" + e.name(), 1, Integer::sum);
        if (APP_NAMESPACE.equals(ns) && e.resource().equals(ResourceRegistry.DEPLOYMENTS)) {
          appRestartBegun.countDown();
        }
      }
    }
    if (e.resource().equals(ResourceRegistry.SECRETS)
        && "istio-system".equals(ns)
        && "istio-ca-secret".equals(e.name())
        && !e.type().equals("DELETED")) {
      int roots = meshCaRootCount(e.object());
      maxMeshCaRoots.accumulateAndGet(roots, Math::max);
      if (roots > 0) {
        meshCaRootAppended.countDown();
      }
    }
  }

  int maxMeshCaRoots() {
    return maxMeshCaRoots.get();
  }

  Map<String, String> backups() {
    synchronized (backups) {
      return new TreeMap<>(backups);
    }
  }

  List<String> backupRewrites() {
    synchronized (backupRewrites) {
      return List.copyOf(backupRewrites);
    }
  }

  Map<String, Integer> restarts() {
    synchronized (restarts) {
      return new TreeMap<>(restarts);
    }
  }

  /**
   * How each Deployment of {@code namespace} fails to have been restarted exactly once by the
   * migration (empty when all were), judged three ways: the recorded changes of its pod template's
   * restartedAt (one), its value now ({@code restartedAt}, the migration's), and the revision the
   * Deployment controller gave its template (one more than at the start: a second rollout would
   * have made a new ReplicaSet and revision, even with the same value).
   */
  List<String> deploymentsNotRestartedOnce(String namespace, String restartedAt) {
    Map<String, Integer> counted = restarts();
    List<String> problems = new ArrayList<>();
    for (JsonNode d : store.list(ResourceRegistry.DEPLOYMENTS, namespace)) {
      String key = key(d);
      int times = counted.getOrDefault("Deployment " + key, 0);
      if (times != 1) {
        problems.add(key + ": restartedAt changed " + times + " times");
      }
      if (!restartedAt.equals(restartedAt(d))) {
        problems.add(key + ": restartedAt " + restartedAt(d) + ", not " + restartedAt);
      }
      Long start = revisionsAtStart.get(key);
      if (start == null || revision(d) != start + 1) {
        problems.add(key + ": revision " + start + " -> " + revision(d) + ", not one rollout");
      }
    }
    return problems;
  }

  private static String key(JsonNode o) {
    return o.path("metadata").path("namespace").asText()
        + "/"
        + o.path("metadata").path("name").asText();
  }

  private static long revision(JsonNode deployment) {
    return Long.parseLong(
        deployment
            .path("metadata")
            .path("annotations")
            .path("deployment.kubernetes.io/revision")
            .asText("0"));
  }

  /** How many times the Mesh CA root appears in a CA Secret's {@code ca-cert.pem}. */
  static int meshCaRootCount(JsonNode secret) {
    String encoded = secret.path("data").path("ca-cert.pem").asText("");
    String pem = new String(Base64.getMimeDecoder().decode(encoded), StandardCharsets.UTF_8);
    String flat = pem.replaceAll("\\s", "");
    int count = 0;
    for (int i = flat.indexOf(MESH_CA_ROOT_BODY);
        i >= 0;
        i = flat.indexOf(MESH_CA_ROOT_BODY, i + 1)) {
      count++;
    }
    return count;
  }

  private static String restartedAt(JsonNode workload) {
    if (workload == null) {
      return null;
    }
    JsonNode v =
        workload
            .path("spec")
            .path("template")
            .path("metadata")
            .path("annotations")
            .path(RESTARTED_AT);
    return v.isTextual() ? v.asText() : null;
  }

  private static String pemBody(String pem) {
    return pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
  }

  @Override
  public void close() {
    unsubscribe.run();
  }
}
