package dev.asmmigrate.activities.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.BackupStores;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.backup.Restorer;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.workflows.activities.WebhookActivities;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.IstioNames;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.StepResult;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;

/**
 * Step {@code replace-webhook}: the add-on 1.4 injector's webhook stops matching, then the revision
 * tag {@code default} sends the namespaces still labelled {@code istio-injection=enabled} to the
 * managed control plane. In that order, so that no namespace is ever matched by two injection
 * webhooks (istio#43932: overlapping webhooks fail pod creation or inject twice).
 */
public final class WebhookActivitiesImpl implements WebhookActivities {
  static final String INJECTOR = IstioNames.INJECTOR_CONFIG_MAP_14;
  static final String TAG = IstioNames.DEFAULT_TAG_WEBHOOK;
  static final String API_VERSION = "admissionregistration.k8s.io/v1";
  static final String KIND = "MutatingWebhookConfiguration";
  static final ObjectKey INJECTOR_KEY = new ObjectKey(API_VERSION, KIND, null, INJECTOR);
  static final ObjectKey TAG_KEY = new ObjectKey(API_VERSION, KIND, null, TAG);
  private static final String TEMPLATE = "webhook/revision-tag-default.yaml";

  /** The suffix of Istio's injection webhooks' names. */
  private static final String INJECTION_SUFFIX = "sidecar-injector.istio.io";

  private final KubeClients clients;
  private final BackupStores backups;

  public WebhookActivitiesImpl(KubeClients clients, BackupStores backups) {
    this.clients = clients;
    this.backups = backups;
  }

  @Override
  public StepResult replaceWebhook(WebhookRequest request) {
    MigrationContext ctx = request.context();
    StepChanges changes = session(ctx);
    var mwcs = changes.client().admissionRegistration().v1().mutatingWebhookConfigurations();

    // the tag's content first: without the managed revision's webhook nothing is changed
    String source = "istiod-" + ctx.revision();
    ObjectKey sourceKey = new ObjectKey(API_VERSION, KIND, null, source);
    MutatingWebhookConfiguration revisionWebhook =
        StepChanges.call("get " + sourceKey, () -> mwcs.withName(source).get());
    if (revisionWebhook == null
        || injectionClientConfig(Restorer.toTree(revisionWebhook)) == null) {
      throw Failures.permanent(
          FailureType.NOT_FOUND,
          sourceKey
              + (revisionWebhook == null
                  ? " not found"
                  : " has no injection webhook (*." + INJECTION_SUFFIX + ") with a clientConfig")
              + ": the managed control plane "
              + ctx.revision()
              + " has not installed its injection webhook");
    }
    ObjectNode desired = tag(Restorer.toTree(revisionWebhook), ctx.revision());

    // 1. the add-on injector stops matching
    StepChanges.rereadOnConflict("empty " + INJECTOR_KEY, () -> emptyInjector(changes));
    // 2. then the tag
    StepChanges.rereadOnConflict(
        "point " + TAG_KEY + " at " + ctx.revision(),
        () -> pointTag(changes, desired, ctx.revision()));
    return changes.result();
  }

  /** The add-on injector with no webhooks (backed up first); nothing when it has none. */
  private static void emptyInjector(StepChanges changes) {
    var mwcs = changes.client().admissionRegistration().v1().mutatingWebhookConfigurations();
    MutatingWebhookConfiguration injector =
        StepChanges.call("get " + INJECTOR_KEY, () -> mwcs.withName(INJECTOR).get());
    if (injector == null) {
      changes.recordExisting(INJECTOR_KEY);
      changes.unchanged(INJECTOR_KEY + " does not exist");
    } else {
      changes.backup(INJECTOR_KEY, injector);
      if (injector.getWebhooks() == null || injector.getWebhooks().isEmpty()) {
        changes.unchanged(INJECTOR_KEY + " has no webhooks");
      } else {
        int n = injector.getWebhooks().size();
        injector.setWebhooks(new ArrayList<>());
        StepChanges.call("update " + INJECTOR_KEY, () -> mwcs.resource(injector).update());
        changes.changed("emptied " + INJECTOR_KEY + " (" + n + " webhooks removed)");
      }
    }
  }

  /** The default tag as {@code desired} (backed up first, absent: undo deletes it). */
  private static void pointTag(StepChanges changes, ObjectNode desired, String revision) {
    var mwcs = changes.client().admissionRegistration().v1().mutatingWebhookConfigurations();
    MutatingWebhookConfiguration current =
        StepChanges.call("get " + TAG_KEY, () -> mwcs.withName(TAG).get());
    changes.backup(TAG_KEY, current);
    if (current == null) {
      MutatingWebhookConfiguration created =
          Restorer.fromTree(desired, MutatingWebhookConfiguration.class);
      StepChanges.call("create " + TAG_KEY, () -> mwcs.resource(created).create());
      changes.changed("created " + TAG_KEY + " pointing at " + revision);
    } else if (StepChanges.covers(Restorer.toTree(current), desired)) {
      changes.unchanged(TAG_KEY + " points at " + revision);
    } else {
      ObjectNode replacement = desired.deepCopy();
      ((ObjectNode) replacement.get("metadata"))
          .put("resourceVersion", current.getMetadata().getResourceVersion());
      MutatingWebhookConfiguration updated =
          Restorer.fromTree(replacement, MutatingWebhookConfiguration.class);
      StepChanges.call("update " + TAG_KEY, () -> mwcs.resource(updated).update());
      changes.changed("replaced " + TAG_KEY + " to point at " + revision);
    }
  }

  /**
   * The tag configuration as istioctl writes it: the template's four webhooks (names, selectors,
   * rules and policies), labelled with the revision, each calling the revision's injector with the
   * {@code clientConfig} (URL or Service, and caBundle) of the revision's first injection webhook
   * ({@code *sidecar-injector.istio.io}), as {@code istioctl tag set} takes it. Without such a
   * webhook (plan before provisioning) the webhooks have no clientConfig.
   */
  static ObjectNode tag(JsonNode revisionWebhook, String revision) {
    ObjectNode desired = StepChanges.template(TEMPLATE);
    ((ObjectNode) desired.path("metadata").path("labels")).put(IstioNames.REV_LABEL, revision);
    JsonNode clientConfig = injectionClientConfig(revisionWebhook);
    for (JsonNode w : (ArrayNode) desired.get("webhooks")) {
      if (clientConfig != null) {
        ((ObjectNode) w).set("clientConfig", clientConfig.deepCopy());
      }
    }
    return desired;
  }

  /** The clientConfig of the first injection webhook of a configuration, or null. */
  static JsonNode injectionClientConfig(JsonNode configuration) {
    for (JsonNode w : configuration.path("webhooks")) {
      if (w.path("name").asText().endsWith(INJECTION_SUFFIX) && w.path("clientConfig").isObject()) {
        return w.get("clientConfig");
      }
    }
    return null;
  }

  /**
   * What {@link #replaceWebhook} will do, read only: the add-on injector emptied, then the tag
   * created from {@link #tag}. Before the managed control plane is provisioned its webhook {@code
   * istiod-<revision>} is not there to copy from: the template is shown, and the note says so.
   */
  public List<PlannedChange> plan(MigrationContext ctx) {
    KubernetesClient client = clients.client(ctx.connection());
    var mwcs = client.admissionRegistration().v1().mutatingWebhookConfigurations();
    String step = Step.REPLACE_WEBHOOK.id();
    List<PlannedChange> out = new ArrayList<>();
    MutatingWebhookConfiguration injector =
        StepChanges.call("get " + INJECTOR_KEY, () -> mwcs.withName(INJECTOR).get());
    if (injector != null && injector.getWebhooks() != null && !injector.getWebhooks().isEmpty()) {
      ObjectNode body = Restorer.toTree(injector);
      body.remove("status");
      ((ObjectNode) body.path("metadata")).retain("name", "labels", "annotations");
      body.putArray("webhooks");
      out.add(
          PlannedChange.update(
              step,
              INJECTOR_KEY,
              body,
              "emptied ("
                  + injector.getWebhooks().size()
                  + " webhooks removed), so that no namespace is matched by two injectors"));
    }
    String source = "istiod-" + ctx.revision();
    MutatingWebhookConfiguration revisionWebhook =
        StepChanges.call("get " + source, () -> mwcs.withName(source).get());
    boolean provisioned =
        revisionWebhook != null && injectionClientConfig(Restorer.toTree(revisionWebhook)) != null;
    ObjectNode desired =
        tag(
            provisioned ? Restorer.toTree(revisionWebhook) : JsonNodeFactory.instance.objectNode(),
            ctx.revision());
    List<String> names = new ArrayList<>();
    desired.path("webhooks").forEach(w -> names.add(w.path("name").asText()));
    String note =
        "revision tag default -> "
            + ctx.revision()
            + ", "
            + names.size()
            + " webhooks as istioctl writes them ("
            + String.join(", ", names)
            + ": namespaces labelled istio.io/rev=default or istio-injection=enabled, pods"
            + " labelled istio.io/rev=default or sidecar.istio.io/inject=true)"
            + (provisioned
                ? ""
                : "; each webhook's clientConfig (endpoint and caBundle) copied from"
                    + " MutatingWebhookConfiguration "
                    + source
                    + " once the managed control plane installs it");
    MutatingWebhookConfiguration current =
        StepChanges.call("get " + TAG_KEY, () -> mwcs.withName(TAG).get());
    if (current == null) {
      out.add(PlannedChange.create(step, TAG_KEY, desired, note));
    } else if (!provisioned || !StepChanges.covers(Restorer.toTree(current), desired)) {
      out.add(PlannedChange.update(step, TAG_KEY, desired, note));
    }
    return out;
  }

  @Override
  public void restoreWebhook(WebhookRequest request) {
    StepChanges changes = session(request.context());
    // the tag goes first, so the restored add-on webhook never overlaps it
    changes.restore(TAG_KEY);
    changes.restore(INJECTOR_KEY);
  }

  private StepChanges session(MigrationContext ctx) {
    KubernetesClient client = clients.client(ctx.connection());
    return new StepChanges(client, backups.forContext(ctx), ctx, Step.REPLACE_WEBHOOK.id());
  }
}
