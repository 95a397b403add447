package dev.asmmigrate.activities.workloads;

import static dev.asmmigrate.activities.workloads.WorkloadActivitiesImpl.HEARTBEAT_EVERY;
import static dev.asmmigrate.activities.workloads.WorkloadActivitiesImpl.SYSTEM_NAMESPACE;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.call;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.namespace;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.remaining;
import static dev.asmmigrate.activities.workloads.WorkloadObjects.shorter;

import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.kube.Waits;
import dev.asmmigrate.workflows.MigrationMetrics;
import dev.asmmigrate.workflows.activities.WorkloadActivities.Direction;
import dev.asmmigrate.workflows.activities.WorkloadActivities.VerifyRequest;
import dev.asmmigrate.workflows.activities.WorkloadActivities.VerifyResult;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.Timeouts;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.temporal.activity.Activity;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verification of a namespace with a watch: every workload's pods ready and running the
 * expected proxy (the managed revision's, or the add-on's on a rollback), within the timeout.
 *
 * <p>The watch is the cluster's shared one ({@link ClusterWatches}): a verification costs the
 * namespace's get and a fresh list of the workloads it judges (Deployments, and StatefulSets and
 * DaemonSets when they were restarted), which the shared caches must catch up with before anything
 * is judged; no informer of its own.
 */
record NamespaceVerification(KubeClients clients, ClusterWatches watches) {
  NamespaceVerification(KubeClients clients) {
    this(clients, new ClusterWatches());
  }

  private static final Logger log = LoggerFactory.getLogger(WorkloadActivitiesImpl.class);

  VerifyResult verifyNamespace(VerifyRequest request) {
    MigrationContext ctx = request.context();
    String ns = request.namespace();
    Duration timeout =
        request.timeout() == null ? Timeouts.defaults().rollout() : request.timeout();
    KubernetesClient client = clients.client(ctx.connection());
    namespace(client, ns);
    ExpectedProxy expected = expectedProxy(client, request);
    Instant deadline = Instant.now().plus(timeout);
    log.info(
        "verify: namespace {}: waiting up to {} for every workload to run {}",
        ns,
        timeout,
        expected.describe());
    List<List<? extends HasMetadata>> workloads = fresh(client, ns, request);
    try (NamespaceWatch watch = new NamespaceWatch(watches.of(client), ns, workloads)) {
      watch.start();
      while (!watch.awaitListed(shorter(remaining(deadline), HEARTBEAT_EVERY))) {
        Waits.heartbeat(ns + ": listing its workloads");
        if (remaining(deadline).isZero()) {
          throw Failures.permanent(
              FailureType.VERIFICATION_FAILED,
              "verify namespace " + ns + ": timed out after " + timeout + " listing its workloads");
        }
      }
      Verification.Verdict last = null;
      while (true) {
        Verification.Verdict verdict =
            Verification.evaluate(
                ns, watch.snapshot(), expected, request.includeSetsAndDaemonSets());
        if (verdict.failure() != null) {
          // the shared caches are separate watches, one per kind: the DaemonSets' can show a
          // rollout done while the ControllerRevisions' still lacks its new revision, and the
          // old pods then look current. A failure is permanent, so it is confirmed on a list of
          // the cluster as it is now before the namespace is failed.
          Verification.Verdict confirmed =
              Verification.evaluate(
                  ns, listed(client, ns), expected, request.includeSetsAndDaemonSets());
          if (confirmed.failure() != null) {
            log.warn("verify: {}", confirmed.failure());
            throw Failures.permanent(FailureType.VERIFICATION_FAILED, confirmed.failure());
          }
          log.info(
              "verify: namespace {}: the shared caches lag behind the cluster ({}); the cluster"
                  + " itself does not fail it, waiting",
              ns,
              verdict.failure());
          verdict = confirmed;
        }
        String progress =
            ns + ": " + verdict.podsReady() + "/" + verdict.podsTotal() + " pods verified";
        Waits.heartbeat(progress); // parsed by status for its progress bars
        if (verdict.done()) {
          log.info(
              "verify: namespace {}: {} pods of {} workloads run {}",
              ns,
              verdict.podsReady(),
              verdict.workloads(),
              expected.describe());
          if (!verdict.notRestarted().isEmpty()) {
            log.warn(
                "verify: namespace {}: StatefulSet and DaemonSet pods were not restarted and keep"
                    + " their proxy: {}",
                ns,
                verdict.notRestarted());
          }
          Activity.getExecutionContext()
              .getMetricsScope()
              .tagged(Map.of("proxy", managed(request) ? "managed" : "addon"))
              .counter(MigrationMetrics.PODS_VERIFIED)
              .inc(verdict.podsReady());
          return new VerifyResult(verdict.podsReady(), verdict.workloads(), verdict.notRestarted());
        }
        if (last == null || last.podsReady() != verdict.podsReady()) {
          log.info("verify: {}", progress);
        }
        last = verdict;
        Duration left = remaining(deadline);
        if (left.isZero()) {
          List<String> missing = verdict.missing();
          String shown =
              String.join("; ", missing.subList(0, Math.min(10, missing.size())))
                  + (missing.size() > 10 ? "; and " + (missing.size() - 10) + " more" : "");
          throw Failures.permanent(
              FailureType.VERIFICATION_FAILED,
              "verify namespace "
                  + ns
                  + ": timed out after "
                  + timeout
                  + " with "
                  + verdict.podsReady()
                  + "/"
                  + verdict.podsTotal()
                  + " pods verified; still waiting for: "
                  + shown);
        }
        watch.awaitChange(shorter(left, HEARTBEAT_EVERY));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("verify namespace " + ns + " interrupted", e);
    } catch (KubernetesClientException e) {
      throw Failures.kubernetes("watch namespace " + ns, e);
    }
  }

  /** The namespace's objects as lists of the cluster show them now, not the shared caches. */
  static Verification.Snapshot listed(KubernetesClient client, String ns) {
    return new Verification.Snapshot(
        call(
            "list deployments in " + ns,
            () -> client.apps().deployments().inNamespace(ns).list().getItems()),
        call(
            "list replicasets in " + ns,
            () -> client.apps().replicaSets().inNamespace(ns).list().getItems()),
        call(
            "list statefulsets in " + ns,
            () -> client.apps().statefulSets().inNamespace(ns).list().getItems()),
        call(
            "list daemonsets in " + ns,
            () -> client.apps().daemonSets().inNamespace(ns).list().getItems()),
        call(
            "list controllerrevisions in " + ns,
            () -> client.apps().controllerRevisions().inNamespace(ns).list().getItems()),
        call("list pods in " + ns, () -> client.pods().inNamespace(ns).list().getItems()));
  }

  /**
   * The workloads a verification judges as a list shows them now, after the restart: Deployments,
   * StatefulSets, DaemonSets (none of the last two when they were not restarted: they are then only
   * reported, not judged).
   */
  private static List<List<? extends HasMetadata>> fresh(
      KubernetesClient client, String ns, VerifyRequest request) {
    List<Deployment> deployments =
        call(
            "list deployments in " + ns,
            () -> client.apps().deployments().inNamespace(ns).list().getItems());
    if (!request.includeSetsAndDaemonSets()) {
      return List.of(deployments);
    }
    List<StatefulSet> sets =
        call(
            "list statefulsets in " + ns,
            () -> client.apps().statefulSets().inNamespace(ns).list().getItems());
    List<DaemonSet> daemonSets =
        call(
            "list daemonsets in " + ns,
            () -> client.apps().daemonSets().inNamespace(ns).list().getItems());
    return List.of(deployments, sets, daemonSets);
  }

  /**
   * Whether a verification expects the managed proxy (a migration) or the add-on's (a rollback).
   */
  static boolean managed(VerifyRequest request) {
    return request.direction() == Direction.MIGRATE;
  }

  private ExpectedProxy expectedProxy(KubernetesClient client, VerifyRequest request) {
    if (request.direction() == null) {
      throw Failures.permanent(
          FailureType.INVALID_INPUT,
          "verify namespace " + request.namespace() + ": no direction (migrate or roll back)");
    }
    if (managed(request)) {
      return ExpectedProxy.managed(request.context().revision());
    }
    if (request.version() == null) {
      throw Failures.permanent(
          FailureType.INVALID_INPUT,
          "verify namespace " + request.namespace() + ": a rollback without the add-on version");
    }
    return ExpectedProxy.addon(request.version(), addonImage(client, request.version()));
  }

  /** The add-on version's proxy image, from its injector's ConfigMap. */
  static String addonImage(KubernetesClient client, AddonVersion version) {
    String name = ExpectedProxy.INJECTOR_CONFIG_MAPS.get(version);
    ConfigMap cm =
        call(
            "get configmap " + SYSTEM_NAMESPACE + "/" + name,
            () -> client.configMaps().inNamespace(SYSTEM_NAMESPACE).withName(name).get());
    if (cm == null || cm.getData() == null || cm.getData().get("values") == null) {
      throw Failures.permanent(
          FailureType.NOT_FOUND,
          "the add-on "
              + version.display()
              + " proxy image is unknown: ConfigMap "
              + SYSTEM_NAMESPACE
              + "/"
              + name
              + " or its values are missing");
    }
    try {
      return ExpectedProxy.addonImage(cm.getData().get("values"));
    } catch (IllegalArgumentException e) {
      throw Failures.permanent(
          FailureType.INVALID_INPUT,
          "ConfigMap " + SYSTEM_NAMESPACE + "/" + name + ": " + e.getMessage());
    }
  }
}
