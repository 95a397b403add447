package dev.asmmigrate.activities.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.Backup;
import dev.asmmigrate.activities.backup.BackupStores;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.backup.Restorer;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.activities.kube.Waits;
import dev.asmmigrate.activities.kube.Waits.Check;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.workflows.activities.ControlPlaneActivities;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.IstioNames;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.StepResult;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Step {@code control-plane}: ControlPlaneRevision {@code istio-system/<revision>} of type {@code
 * managed_service} on the migration's channel, which makes Google provision the managed control
 * plane (its injection webhook {@code istiod-<revision>} and ConfigMaps {@code env-<revision>},
 * {@code istio-<revision>}).
 */
public final class ControlPlaneActivitiesImpl implements ControlPlaneActivities {
  static final String NAMESPACE = IstioNames.ISTIO_SYSTEM;
  static final String API_VERSION = "mesh.cloud.google.com/v1beta1";
  static final String KIND = "ControlPlaneRevision";
  static final String CONDITION = "ProvisioningFinished";
  static final ResourceDefinitionContext CPR =
      new ResourceDefinitionContext.Builder()
          .withGroup("mesh.cloud.google.com")
          .withVersion("v1beta1")
          .withPlural("controlplanerevisions")
          .withKind(KIND)
          .withNamespaced(true)
          .build();
  private static final String TEMPLATE = "controlplane/controlplanerevision.yaml";
  private static final Map<String, String> CHANNELS =
      Map.of(
          "regular", "asm-managed", "rapid", "asm-managed-rapid", "stable", "asm-managed-stable");

  private final KubeClients clients;
  private final BackupStores backups;
  private final Duration pollInterval;

  public ControlPlaneActivitiesImpl(KubeClients clients, BackupStores backups) {
    this(clients, backups, Duration.ofSeconds(1));
  }

  /**
   * @param pollInterval how often {@link #awaitControlPlane} reads the revision's status
   */
  public ControlPlaneActivitiesImpl(
      KubeClients clients, BackupStores backups, Duration pollInterval) {
    this.clients = clients;
    this.backups = backups;
    this.pollInterval = pollInterval;
  }

  static ObjectKey key(String revision) {
    return new ObjectKey(API_VERSION, KIND, NAMESPACE, revision);
  }

  @Override
  public StepResult applyControlPlaneRevision(ControlPlaneRequest request) {
    MigrationContext ctx = request.context();
    String channel = request.channel() == null ? "regular" : request.channel();
    String expectedRevision = CHANNELS.get(channel);
    if (expectedRevision == null) {
      throw Failures.permanent(
          FailureType.INVALID_INPUT,
          "unknown release channel '" + channel + "': expected regular, rapid or stable");
    }
    if (!expectedRevision.equals(ctx.revision())) {
      throw Failures.permanent(
          FailureType.INVALID_INPUT,
          "revision " + ctx.revision() + " is not the revision of channel " + channel);
    }
    StepChanges changes = session(ctx);
    ObjectKey key = key(ctx.revision());
    Resource<GenericKubernetesResource> cpr = resource(changes.client(), ctx.revision());
    GenericKubernetesResource current = StepChanges.call("get " + key, cpr::get);
    changes.backup(key, current);

    ObjectNode desired = desired(ctx.revision(), channel);

    if (current == null) {
      StepChanges.call(
          "create " + key,
          () ->
              changes
                  .client()
                  .genericKubernetesResources(CPR)
                  .inNamespace(NAMESPACE)
                  .resource(Restorer.fromTree(desired))
                  .create());
      changes.changed("created " + key + " (type managed_service, channel " + channel + ")");
      return changes.result();
    }
    if (requests(Restorer.toTree(current), channel)) {
      changes.unchanged(key + " already requests channel " + channel);
      return changes.result();
    }
    ObjectNode patch = specPatch(desired);
    StepChanges.patch(
        "patch " + key, () -> cpr.patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString()));
    changes.changed("patched " + key + " spec to type managed_service, channel " + channel);
    return changes.result();
  }

  /** The revision as the step applies it. */
  static ObjectNode desired(String revision, String channel) {
    ObjectNode desired = StepChanges.template(TEMPLATE);
    ((ObjectNode) desired.get("metadata")).put("name", revision);
    ((ObjectNode) desired.get("spec")).put("channel", channel);
    return desired;
  }

  private static boolean requests(JsonNode cpr, String channel) {
    JsonNode spec = cpr.path("spec");
    return spec.path("type").asText().equals("managed_service")
        && spec.path("channel").asText().equals(channel);
  }

  private static ObjectNode specPatch(ObjectNode desired) {
    ObjectNode patch = JsonNodeFactory.instance.objectNode();
    patch.set("spec", desired.get("spec").deepCopy());
    return patch;
  }

  /**
   * What {@link #applyControlPlaneRevision} will do, read only: create the revision, patch its
   * spec, or nothing.
   */
  public List<PlannedChange> plan(MigrationContext ctx, String channel) {
    String ch = channel == null ? "regular" : channel;
    ObjectKey key = key(ctx.revision());
    GenericKubernetesResource current =
        StepChanges.call(
            "get " + key, resource(clients.client(ctx.connection()), ctx.revision())::get);
    ObjectNode desired = desired(ctx.revision(), ch);
    String step = Step.CONTROL_PLANE.id();
    if (current == null) {
      return List.of(
          PlannedChange.create(
              step,
              key,
              desired,
              "the managed control plane, type managed_service, channel " + ch));
    }
    if (requests(Restorer.toTree(current), ch)) {
      return List.of();
    }
    return List.of(
        PlannedChange.patch(
            step, key, "merge", specPatch(desired), "request type managed_service, channel " + ch));
  }

  /**
   * Waits until the revision is usable by the next steps: {@code ProvisioningFinished=True}, its
   * injection webhook {@code istiod-<revision>} (replace-gateway and replace-webhook need it) and
   * its configuration, ConfigMap {@code env-<revision>} or {@code istio-<revision>}
   * (configure-mesh-ca reads the trust domain there), which the managed control plane writes around
   * the time it reports the condition.
   */
  @Override
  public void awaitControlPlane(AwaitControlPlaneRequest request) {
    MigrationContext ctx = request.context();
    ObjectKey key = key(ctx.revision());
    KubernetesClient client = clients.client(ctx.connection());
    Resource<GenericKubernetesResource> cpr = resource(client, ctx.revision());
    String webhook = "istiod-" + ctx.revision();
    Waits.until(
        key + " " + CONDITION,
        request.timeout(),
        pollInterval,
        () -> {
          GenericKubernetesResource found = cpr.get();
          if (found == null) {
            return Check.waiting(key + " does not exist");
          }
          Check condition = condition(Restorer.toTree(found));
          if (!condition.done()) {
            return condition;
          }
          if (client
                  .admissionRegistration()
                  .v1()
                  .mutatingWebhookConfigurations()
                  .withName(webhook)
                  .get()
              == null) {
            return Check.waiting(
                condition.progress() + "; MutatingWebhookConfiguration " + webhook + " not yet");
          }
          boolean config =
              client.configMaps().inNamespace(NAMESPACE).withName("env-" + ctx.revision()).get()
                      != null
                  || client
                          .configMaps()
                          .inNamespace(NAMESPACE)
                          .withName("istio-" + ctx.revision())
                          .get()
                      != null;
          if (!config) {
            return Check.waiting(
                condition.progress()
                    + "; neither ConfigMap "
                    + NAMESPACE
                    + "/env-"
                    + ctx.revision()
                    + " nor "
                    + NAMESPACE
                    + "/istio-"
                    + ctx.revision()
                    + " yet");
          }
          return condition;
        },
        FailureType.CONTROL_PLANE_NOT_PROVISIONED);
  }

  /** The revision's {@code ProvisioningFinished} condition as a check. */
  static Check condition(JsonNode cpr) {
    JsonNode conditions = cpr.path("status").path("conditions");
    StringBuilder others = new StringBuilder();
    for (JsonNode c : conditions) {
      String text = describe(c);
      if (c.path("type").asText().equals(CONDITION)) {
        return c.path("status").asText().equals("True") ? Check.done(text) : Check.waiting(text);
      }
      others.append(others.length() == 0 ? "" : ", ").append(text);
    }
    return Check.waiting(
        "no "
            + CONDITION
            + " condition yet"
            + (others.length() == 0 ? "" : " (conditions: " + others + ")"));
  }

  private static String describe(JsonNode c) {
    String reason = c.path("reason").asText("");
    String message = c.path("message").asText("");
    return c.path("type").asText()
        + "="
        + c.path("status").asText()
        + (reason.isEmpty() ? "" : " reason " + reason)
        + (message.isEmpty() ? "" : ": " + message);
  }

  @Override
  public void removeControlPlaneRevision(ControlPlaneRequest request) {
    MigrationContext ctx = request.context();
    StepChanges changes = session(ctx);
    ObjectKey key = key(ctx.revision());
    Optional<Backup> backup = changes.original(key);
    if (backup.isEmpty()) {
      return; // apply never reached the revision
    }
    // absent before the migration: deleted; present: put back as it was
    changes.restore(key);
  }

  private StepChanges session(MigrationContext ctx) {
    return new StepChanges(
        clients.client(ctx.connection()), backups.forContext(ctx), ctx, Step.CONTROL_PLANE.id());
  }

  static Resource<GenericKubernetesResource> resource(KubernetesClient client, String revision) {
    MixedOperation<
            GenericKubernetesResource,
            GenericKubernetesResourceList,
            Resource<GenericKubernetesResource>>
        op = client.genericKubernetesResources(CPR);
    return op.inNamespace(NAMESPACE).withName(revision);
  }
}
