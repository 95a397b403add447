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
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v1.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

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

    // the old gateway's replicas as they were before the migration, whatever this step did since
    Resource<Deployment> old = client.apps().deployments().inNamespace(NS).withName(OLD);
    Deployment oldNow = StepChanges.call("get " + OLD_KEY, old::get);
    if (oldNow == null && changes.original(OLD_KEY).isEmpty()) {
      throw Failures.permanent(
          FailureType.NOT_FOUND,
          OLD_KEY
              + " not found: there is no add-on gateway to replace (a custom one is migrated"
              + " by hand)");
    }
    changes.backup(OLD_KEY, oldNow);
    int replicas = Math.max(1, originalReplicas(changes));

    removeInjectionLabels(changes);
    for (Map.Entry<ObjectKey, ObjectNode> e : desiredObjects(ctx.revision(), replicas).entrySet()) {
      StepChanges.rereadOnConflict(
          "ensure " + e.getKey(), () -> ensure(changes, e.getKey(), e.getValue()));
    }

    String behind =
        Waits.until(
            "Deployment " + NS + "/" + NEW + " available behind Service " + NS + "/" + SERVICE,
            request.timeout(),
            pollInterval,
            () -> servedBy(client, NEW, replicas, p -> ctx.revision().equals(label(p, REV_LABEL))),
            FailureType.VERIFICATION_FAILED);
    changes.unchanged("new gateway verified: " + behind);

    minReplicasOne(changes);
    scaleOldToZero(changes, old);
    return changes.result();
  }

  /** The new gateway's four objects, in the order they are created. */
  static Map<ObjectKey, ObjectNode> desiredObjects(String revision, int replicas) {
    Map<ObjectKey, ObjectNode> out = new LinkedHashMap<>();
    out.put(SA_KEY, StepChanges.template("gateway/serviceaccount.yaml"));
    out.put(ROLE_KEY, StepChanges.template("gateway/role.yaml"));
    out.put(BINDING_KEY, StepChanges.template("gateway/rolebinding.yaml"));
    ObjectNode deployment = StepChanges.template("gateway/deployment.yaml");
    ObjectNode spec = (ObjectNode) deployment.get("spec");
    spec.put("replicas", replicas);
    ((ObjectNode) spec.path("template").path("metadata").path("labels")).put(REV_LABEL, revision);
    out.put(DEPLOYMENT_KEY, deployment);
    return out;
  }

  /** The merge patch removing istio-system's injection labels. */
  static ObjectNode injectionLabelsRemoval() {
    ObjectNode patch = JsonNodeFactory.instance.objectNode();
    ObjectNode l = patch.putObject("metadata").putObject("labels");
    l.putNull(INJECTION_LABEL);
    l.putNull(REV_LABEL);
    return patch;
  }

  static ObjectNode minReplicasPatch() {
    ObjectNode patch = JsonNodeFactory.instance.objectNode();
    patch.putObject("spec").put("minReplicas", 1);
    return patch;
  }

  static ObjectNode scaleToZeroPatch() {
    ObjectNode patch = JsonNodeFactory.instance.objectNode();
    patch.putObject("spec").put("replicas", 0);
    return patch;
  }

  /**
   * What {@link #replaceGateway} will do, read only, from the same builders: istio-system's
   * injection labels removed, the four objects created (or replaced), the HPA's minReplicas, the
   * old gateway scaled to 0.
   */
  public List<PlannedChange> plan(MigrationContext ctx) {
    KubernetesClient client = clients.client(ctx.connection());
    String step = Step.REPLACE_GATEWAY.id();
    List<PlannedChange> out = new ArrayList<>();
    Deployment old =
        StepChanges.call(
            "get " + OLD_KEY, client.apps().deployments().inNamespace(NS).withName(OLD)::get);
    if (old == null) {
      throw Failures.permanent(
          FailureType.NOT_FOUND,
          OLD_KEY
              + " not found: there is no add-on gateway to replace (a custom one is migrated"
              + " by hand)");
    }
    Integer oldReplicas = old.getSpec().getReplicas();
    int replicas = Math.max(1, oldReplicas == null ? 1 : oldReplicas);
    Namespace ns = StepChanges.call("get " + NAMESPACE_KEY, client.namespaces().withName(NS)::get);
    Map<String, String> labels =
        ns == null || ns.getMetadata().getLabels() == null
            ? Map.of()
            : ns.getMetadata().getLabels();
    if (labels.containsKey(INJECTION_LABEL) || labels.containsKey(REV_LABEL)) {
      out.add(
          PlannedChange.patch(
              step,
              NAMESPACE_KEY,
              "merge",
              injectionLabelsRemoval(),
              "remove the injection labels: only the gateway pods' own revision label counts"));
    }
    for (Map.Entry<ObjectKey, ObjectNode> e : desiredObjects(ctx.revision(), replicas).entrySet()) {
      ObjectKey key = e.getKey();
      GenericKubernetesResource current =
          StepChanges.call(
              "get " + key,
              () ->
                  client
                      .genericKubernetesResources(key.apiVersion(), key.kind())
                      .inNamespace(NS)
                      .withName(key.name())
                      .get());
      if (current == null) {
        out.add(PlannedChange.create(step, key, e.getValue(), "the managed ASM gateway"));
      } else if (!StepChanges.covers(Restorer.toTree(current), e.getValue())) {
        out.add(
            PlannedChange.update(step, key, e.getValue(), "replaced with the template's content"));
      }
    }
    HorizontalPodAutoscaler hpa =
        StepChanges.call(
            "get " + HPA_KEY,
            client.autoscaling().v1().horizontalPodAutoscalers().inNamespace(NS).withName(OLD)
                ::get);
    if (hpa != null
        && (hpa.getSpec().getMinReplicas() == null || hpa.getSpec().getMinReplicas() != 1)) {
      out.add(
          PlannedChange.patch(
              step, HPA_KEY, "merge", minReplicasPatch(), "minReplicas 1, before the scale to 0"));
    }
    if (oldReplicas == null || oldReplicas != 0) {
      out.add(
          PlannedChange.patch(
              step,
              OLD_KEY,
              "merge",
              scaleToZeroPatch(),
              "scaled to 0 once "
                  + NEW
                  + " pods are Ready endpoints of Service "
                  + NS
                  + "/"
                  + SERVICE));
    }
    return out;
  }

  private static int originalReplicas(StepChanges changes) {
    Backup backup =
        changes
            .original(OLD_KEY)
            .orElseThrow(() -> new IllegalStateException("no backup of " + OLD_KEY));
    if (backup.absent()) {
      return 1;
    }
    JsonNode r = backup.object().path("spec").path("replicas");
    return r.isMissingNode() || r.isNull() ? 1 : r.asInt();
  }

  /** istio-system loses its injection labels, so only the pods' own revision label counts. */
  private void removeInjectionLabels(StepChanges changes) {
    Resource<Namespace> ns = changes.client().namespaces().withName(NS);
    Namespace current = StepChanges.call("get " + NAMESPACE_KEY, ns::get);
    if (current == null) {
      throw Failures.permanent(FailureType.NOT_FOUND, NAMESPACE_KEY + " not found");
    }
    changes.backup(NAMESPACE_KEY, current);
    Map<String, String> labels =
        current.getMetadata().getLabels() == null ? Map.of() : current.getMetadata().getLabels();
    if (!labels.containsKey(INJECTION_LABEL) && !labels.containsKey(REV_LABEL)) {
      changes.unchanged(NAMESPACE_KEY + " has no injection labels");
      return;
    }
    ObjectNode patch = injectionLabelsRemoval();
    StepChanges.patch(
        "patch " + NAMESPACE_KEY,
        () -> ns.patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString()));
    changes.changed(
        "removed labels " + INJECTION_LABEL + ", " + REV_LABEL + " from " + NAMESPACE_KEY);
  }

  /**
   * Creates the object of a template (after {@code edit}) when absent; replaces it when it exists
   * unlike the template (fields the API server defaults aside); else leaves it.
   */
  private void ensure(StepChanges changes, ObjectKey key, ObjectNode desired) {
    KubernetesClient client = changes.client();
    NonNamespaceOperation<
            GenericKubernetesResource,
            GenericKubernetesResourceList,
            Resource<GenericKubernetesResource>>
        op = client.genericKubernetesResources(key.apiVersion(), key.kind()).inNamespace(NS);
    GenericKubernetesResource current =
        StepChanges.call("get " + key, () -> op.withName(key.name()).get());
    changes.backup(key, current);
    if (current == null) {
      StepChanges.call("create " + key, () -> op.resource(Restorer.fromTree(desired)).create());
      changes.changed("created " + key);
      return;
    }
    ObjectNode live = Restorer.toTree(current);
    ObjectNode wanted = desired.deepCopy();
    if (StepChanges.covers(live, wanted)) {
      changes.unchanged(key + " is as the template makes it");
      return;
    }
    ((ObjectNode) wanted.get("metadata"))
        .put("resourceVersion", live.path("metadata").path("resourceVersion").asText());
    StepChanges.call("update " + key, () -> op.resource(Restorer.fromTree(wanted)).update());
    changes.changed("replaced " + key + " with the template's content");
  }

  /** HPA istio-ingressgateway: minReplicas 1, as Google's script sets it before scaling to 0. */
  private void minReplicasOne(StepChanges changes) {
    Resource<HorizontalPodAutoscaler> hpa =
        changes
            .client()
            .autoscaling()
            .v1()
            .horizontalPodAutoscalers()
            .inNamespace(NS)
            .withName(OLD);
    HorizontalPodAutoscaler current = StepChanges.call("get " + HPA_KEY, hpa::get);
    if (current == null) {
      changes.recordExisting(HPA_KEY);
      changes.unchanged(HPA_KEY + " does not exist");
      return;
    }
    changes.backup(HPA_KEY, current);
    Integer min = current.getSpec().getMinReplicas();
    if (min != null && min == 1) {
      changes.unchanged(HPA_KEY + " minReplicas is 1");
      return;
    }
    ObjectNode patch = minReplicasPatch();
    StepChanges.patch(
        "patch " + HPA_KEY,
        () -> hpa.patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString()));
    changes.changed("set " + HPA_KEY + " minReplicas to 1");
  }

  private void scaleOldToZero(StepChanges changes, Resource<Deployment> old) {
    Deployment current = StepChanges.call("get " + OLD_KEY, old::get);
    if (current == null) {
      changes.unchanged(OLD_KEY + " does not exist any more");
      return;
    }
    Integer r = current.getSpec().getReplicas();
    if (r != null && r == 0) {
      changes.unchanged(OLD_KEY + " is scaled to 0");
      return;
    }
    ObjectNode patch = scaleToZeroPatch();
    StepChanges.patch(
        "scale " + OLD_KEY,
        () -> old.patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString()));
    changes.changed("scaled " + OLD_KEY + " from " + (r == null ? 1 : r) + " to 0 replicas");
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
