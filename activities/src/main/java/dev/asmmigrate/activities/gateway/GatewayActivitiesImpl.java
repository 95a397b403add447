package dev.asmmigrate.activities.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.Backup;
import dev.asmmigrate.activities.backup.BackupStores;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.backup.Restorer;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.kube.Rollouts;
import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.activities.kube.Waits;
import dev.asmmigrate.activities.kube.Waits.Check;
import dev.asmmigrate.activities.plan.DesiredChange;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.workflows.activities.GatewayActivities;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.IstioNames;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.StepResult;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Step {@code replace-gateway}: the add-on's ingress gateway is replaced by a managed-ASM gateway
 * behind the same LoadBalancer Service (so its IP stays), without a moment where no Ready gateway
 * pod backs the Service: the new pods must be Ready endpoints of the Service before the old
 * Deployment is scaled to zero, and the undo brings the old pods back before the new ones go.
 */
public final class GatewayActivitiesImpl implements GatewayActivities {
  static final String NS = IstioNames.ISTIO_SYSTEM;
  static final String OLD = "istio-ingressgateway";
  static final String NEW = "asm-ingressgateway";
  static final String SERVICE = "istio-ingressgateway";
  static final String REV_LABEL = IstioNames.REV_LABEL;
  static final String INJECTION_LABEL = IstioNames.INJECTION_LABEL;
  static final Map<String, String> GATEWAY_LABELS =
      Map.of("app", "istio-ingressgateway", "istio", "ingressgateway");

  static final ObjectKey NAMESPACE_KEY = new ObjectKey("v1", "Namespace", null, NS);
  static final ObjectKey OLD_KEY = new ObjectKey("apps/v1", "Deployment", NS, OLD);
  static final ObjectKey HPA_KEY =
      new ObjectKey("autoscaling/v1", "HorizontalPodAutoscaler", NS, OLD);
  static final ObjectKey SA_KEY = new ObjectKey("v1", "ServiceAccount", NS, NEW);
  static final ObjectKey ROLE_KEY = new ObjectKey("rbac.authorization.k8s.io/v1", "Role", NS, NEW);
  static final ObjectKey BINDING_KEY =
      new ObjectKey("rbac.authorization.k8s.io/v1", "RoleBinding", NS, NEW);
  static final ObjectKey DEPLOYMENT_KEY = new ObjectKey("apps/v1", "Deployment", NS, NEW);

  private final KubeClients clients;
  private final BackupStores backups;
  private final Duration pollInterval;

  public GatewayActivitiesImpl(KubeClients clients, BackupStores backups) {
    this(clients, backups, Duration.ofSeconds(1));
  }

  public GatewayActivitiesImpl(KubeClients clients, BackupStores backups, Duration pollInterval) {
    this.clients = clients;
    this.backups = backups;
    this.pollInterval = pollInterval;
  }

  @Override
  public StepResult replaceGateway(GatewayRequest request) {
    MigrationContext ctx = request.context();
    StepChanges changes = session(ctx);
    KubernetesClient client = changes.client();
    DesiredChange.reconcile(
        changes,
        () -> GatewayChanges.desired(observe(client, changes), ctx.revision()).beforeServing());
    // as many new pods as the old gateway had before the migration (its backup's replicas)
    int replicas = Math.max(1, originalReplicas(changes.original(OLD_KEY), null));

    String behind =
        Waits.until(
            "Deployment " + NS + "/" + NEW + " available behind Service " + NS + "/" + SERVICE,
            request.timeout(),
            pollInterval,
            () -> servedBy(client, NEW, replicas, p -> ctx.revision().equals(label(p, REV_LABEL))),
            FailureType.VERIFICATION_FAILED);
    changes.unchanged("new gateway verified: " + behind);

    DesiredChange.reconcile(
        changes,
        () -> GatewayChanges.desired(observe(client, changes), ctx.revision()).afterServing());
    return changes.result();
  }

  /**
   * What {@link #replaceGateway} will do, read only: the changes {@link GatewayChanges} computes,
   * which the activity applies.
   */
  public List<PlannedChange> plan(MigrationContext ctx) {
    KubernetesClient client = clients.client(ctx.connection());
    return DesiredChange.planned(
        GatewayChanges.desired(observe(client, null), ctx.revision()).all());
  }

  /**
   * Reads what the step needs. With {@code changes} (the activity, not {@code plan}), backs every
   * object up before its first change, and takes the old gateway's replicas from its backup: as
   * they were before the migration, whatever this step did since.
   */
  private static GatewayChanges.Observed observe(KubernetesClient client, StepChanges changes) {
    ObjectNode old =
        read(OLD_KEY, () -> client.apps().deployments().inNamespace(NS).withName(OLD).get());
    Optional<Backup> original = changes == null ? Optional.empty() : changes.original(OLD_KEY);
    if (old == null && original.isEmpty()) {
      throw Failures.permanent(
          FailureType.NOT_FOUND,
          OLD_KEY
              + " not found: there is no add-on gateway to replace (a custom one is migrated"
              + " by hand)");
    }
    if (changes != null) {
      changes.backupTree(OLD_KEY, old);
      original = changes.original(OLD_KEY);
    }
    int replicas = originalReplicas(original, old);
    ObjectNode namespace = read(NAMESPACE_KEY, () -> client.namespaces().withName(NS).get());
    if (namespace == null) {
      throw Failures.permanent(FailureType.NOT_FOUND, NAMESPACE_KEY + " not found");
    }
    Map<ObjectKey, ObjectNode> live = new HashMap<>();
    for (ObjectKey key : List.of(SA_KEY, ROLE_KEY, BINDING_KEY, DEPLOYMENT_KEY)) {
      ObjectNode current =
          read(
              key,
              () ->
                  client
                      .genericKubernetesResources(key.apiVersion(), key.kind())
                      .inNamespace(NS)
                      .withName(key.name())
                      .get());
      if (current != null) {
        live.put(key, current);
      }
      if (changes != null) {
        changes.backupTree(key, current);
      }
    }
    ObjectNode hpa =
        read(
            HPA_KEY,
            () ->
                client
                    .autoscaling()
                    .v1()
                    .horizontalPodAutoscalers()
                    .inNamespace(NS)
                    .withName(OLD)
                    .get());
    if (changes != null) {
      changes.backupTree(NAMESPACE_KEY, namespace);
      if (hpa == null) {
        changes.recordExisting(HPA_KEY);
      } else {
        changes.backupTree(HPA_KEY, hpa);
      }
    }
    return new GatewayChanges.Observed(namespace, old, replicas, live, hpa);
  }

  /** The old gateway's replicas in its backup, else ({@code plan}) in {@code current}. */
  private static int originalReplicas(Optional<Backup> backup, ObjectNode current) {
    return backup
        .map(b -> b.absent() ? 1 : GatewayChanges.replicas(b.object()))
        .orElseGet(() -> GatewayChanges.replicas(current));
  }

  private static ObjectNode read(ObjectKey key, Supplier<? extends HasMetadata> get) {
    return Restorer.toTree(StepChanges.call("get " + key, get));
  }

  /**
   * Whether Deployment {@code name} has rolled out and at least {@code want} of its Ready pods
   * (those {@code ours} accepts) are Ready addresses of the gateway Service's Endpoints. Fails fast
   * when one of them crash-loops or cannot pull its image.
   */
  static Check servedBy(KubernetesClient client, String name, int want, Predicate<Pod> ours) {
    Check rollout =
        Rollouts.rolledOut(
            NS + "/" + name, client.apps().deployments().inNamespace(NS).withName(name).get());
    Set<String> endpoints = new HashSet<>();
    Endpoints ep = client.endpoints().inNamespace(NS).withName(SERVICE).get();
    if (ep != null && ep.getSubsets() != null) {
      for (EndpointSubset s : ep.getSubsets()) {
        if (s.getAddresses() == null) {
          continue;
        }
        for (EndpointAddress a : s.getAddresses()) {
          if (a.getTargetRef() != null && "Pod".equals(a.getTargetRef().getKind())) {
            endpoints.add(a.getTargetRef().getName());
          }
        }
      }
    }
    List<String> serving = new ArrayList<>();
    List<String> notYet = new ArrayList<>();
    for (Pod p : client.pods().inNamespace(NS).withLabels(GATEWAY_LABELS).list().getItems()) {
      if (!ours.test(p) || p.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      String pod = p.getMetadata().getName();
      failFastOnBrokenContainers(name, p);
      if (ready(p) && endpoints.contains(pod)) {
        serving.add(pod);
      } else {
        notYet.add(pod + (ready(p) ? " (Ready, not yet an endpoint)" : " (not Ready)"));
      }
    }
    String progress =
        rollout.progress()
            + "; "
            + serving.size()
            + "/"
            + want
            + " pods Ready behind Service "
            + NS
            + "/"
            + SERVICE
            + (notYet.isEmpty() ? "" : "; not serving: " + notYet);
    return rollout.done() && serving.size() >= want
        ? Check.done(progress)
        : Check.waiting(progress);
  }

  private static void failFastOnBrokenContainers(String deployment, Pod p) {
    if (p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
      return;
    }
    for (ContainerStatus cs : p.getStatus().getContainerStatuses()) {
      if (cs.getState() != null && cs.getState().getWaiting() != null) {
        String reason = cs.getState().getWaiting().getReason();
        if ("CrashLoopBackOff".equals(reason)
            || "ImagePullBackOff".equals(reason)
            || "ErrImagePull".equals(reason)
            || "InvalidImageName".equals(reason)) {
          throw Failures.permanent(
              FailureType.VERIFICATION_FAILED,
              "Deployment "
                  + NS
                  + "/"
                  + deployment
                  + ": pod "
                  + p.getMetadata().getName()
                  + " container "
                  + cs.getName()
                  + " is "
                  + reason
                  + " (image "
                  + cs.getImage()
                  + ")");
        }
      }
    }
  }

  static boolean ready(Pod p) {
    if (p.getStatus() == null || p.getStatus().getConditions() == null) {
      return false;
    }
    for (PodCondition c : p.getStatus().getConditions()) {
      if ("Ready".equals(c.getType())) {
        return "True".equals(c.getStatus());
      }
    }
    return false;
  }

  static String label(HasMetadata o, String key) {
    Map<String, String> labels = o.getMetadata().getLabels();
    return labels == null ? null : labels.get(key);
  }

  @Override
  public void restoreGateway(GatewayRequest request) {
    MigrationContext ctx = request.context();
    StepChanges changes = session(ctx);
    KubernetesClient client = changes.client();

    // 1. the old gateway back, as recorded, and serving, before anything of the new one goes
    Optional<Backup> old = changes.original(OLD_KEY);
    changes.restore(OLD_KEY);
    if (old.isPresent() && !old.get().absent()) {
      JsonNode r = old.get().object().path("spec").path("replicas");
      int want = r.isMissingNode() || r.isNull() ? 1 : r.asInt();
      if (want > 0) {
        Waits.until(
            "Deployment " + NS + "/" + OLD + " available behind Service " + NS + "/" + SERVICE,
            request.timeout(),
            pollInterval,
            () -> servedBy(client, OLD, want, p -> label(p, REV_LABEL) == null),
            FailureType.VERIFICATION_FAILED);
      }
    }
    // 2. the HPA and istio-system's injection labels
    changes.restore(HPA_KEY);
    restoreInjectionLabels(changes);
    // 3. the new gateway's objects: deleted (or put back, had they existed before)
    changes.restore(DEPLOYMENT_KEY);
    changes.restore(BINDING_KEY);
    changes.restore(ROLE_KEY);
    changes.restore(SA_KEY);
  }

  /** Puts istio-system's two injection labels back as the backup has them; other labels stay. */
  private void restoreInjectionLabels(StepChanges changes) {
    Optional<Backup> backup = changes.original(NAMESPACE_KEY);
    if (backup.isEmpty() || backup.get().absent()) {
      return;
    }
    JsonNode was = backup.get().object().path("metadata").path("labels");
    Resource<Namespace> ns = changes.client().namespaces().withName(NS);
    Namespace current = StepChanges.call("get " + NAMESPACE_KEY, ns::get);
    if (current == null) {
      return;
    }
    Map<String, String> now =
        current.getMetadata().getLabels() == null ? Map.of() : current.getMetadata().getLabels();
    ObjectNode patch = JsonNodeFactory.instance.objectNode();
    ObjectNode labels = patch.putObject("metadata").putObject("labels");
    for (String key : List.of(INJECTION_LABEL, REV_LABEL)) {
      String before = was.has(key) ? was.get(key).asText() : null;
      if (before == null ? now.containsKey(key) : !before.equals(now.get(key))) {
        if (before == null) {
          labels.putNull(key);
        } else {
          labels.put(key, before);
        }
      }
    }
    if (labels.isEmpty()) {
      return;
    }
    StepChanges.patch(
        "patch " + NAMESPACE_KEY,
        () -> ns.patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString()));
    changes.changed("restored injection labels of " + NAMESPACE_KEY);
  }

  private StepChanges session(MigrationContext ctx) {
    return new StepChanges(
        clients.client(ctx.connection()), backups.forContext(ctx), ctx, Step.REPLACE_GATEWAY.id());
  }
}
