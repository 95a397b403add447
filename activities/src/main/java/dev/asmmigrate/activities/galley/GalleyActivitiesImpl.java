package dev.asmmigrate.activities.galley;

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
import dev.asmmigrate.workflows.activities.GalleyActivities;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.StepResult;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.ArrayList;
import java.util.List;

/**
 * Step {@code disable-galley-webhook} (add-on 1.4): Galley re-creates its validating webhook as
 * long as its ClusterRole lets it write ValidatingWebhookConfigurations, and that webhook rejects
 * configuration the managed control plane accepts. So: narrow the ClusterRole's rule on {@code
 * validatingwebhookconfigurations} from {@code *} to {@code get}, then delete the webhook.
 */
public final class GalleyActivitiesImpl implements GalleyActivities {
  static final String CLUSTER_ROLE = "istio-galley-istio-system";
  static final String WEBHOOK = "istio-galley";
  static final String RESOURCE = "validatingwebhookconfigurations";
  static final ObjectKey ROLE_KEY =
      new ObjectKey("rbac.authorization.k8s.io/v1", "ClusterRole", null, CLUSTER_ROLE);
  static final ObjectKey WEBHOOK_KEY =
      new ObjectKey(
          "admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", null, WEBHOOK);
  private static final int PATCH_ATTEMPTS = 3;

  private final KubeClients clients;
  private final BackupStores backups;

  public GalleyActivitiesImpl(KubeClients clients, BackupStores backups) {
    this.clients = clients;
    this.backups = backups;
  }

  @Override
  public StepResult disableGalleyWebhook(GalleyRequest request) {
    StepChanges changes = session(request.context());
    KubernetesClient client = changes.client();
    narrowClusterRole(changes, client.rbac().clusterRoles().withName(CLUSTER_ROLE));

    Resource<ValidatingWebhookConfiguration> webhook =
        client.admissionRegistration().v1().validatingWebhookConfigurations().withName(WEBHOOK);
    ValidatingWebhookConfiguration current = StepChanges.call("get " + WEBHOOK_KEY, webhook::get);
    if (current == null) {
      changes.recordExisting(WEBHOOK_KEY);
      changes.unchanged(WEBHOOK_KEY + " does not exist");
    } else {
      changes.backup(WEBHOOK_KEY, current);
      StepChanges.call("delete " + WEBHOOK_KEY, webhook::delete);
      changes.changed("deleted " + WEBHOOK_KEY);
    }
    return changes.result();
  }

  /**
   * Replaces verb {@code *} by {@code get} in every rule naming {@code
   * validatingwebhookconfigurations}, wherever it is (rule 2 on the add-on; never trusted), with a
   * JSON patch whose {@code test} operations make a concurrent change of those rules fail instead
   * of being overwritten; a failed test re-reads and tries again.
   */
  private void narrowClusterRole(StepChanges changes, Resource<ClusterRole> role) {
    for (int attempt = 1; ; attempt++) {
      ClusterRole current = StepChanges.call("get " + ROLE_KEY, role::get);
      if (current == null) {
        changes.unchanged(ROLE_KEY + " does not exist: Galley cannot re-create its webhook");
        return;
      }
      changes.backup(ROLE_KEY, current);
      ArrayNode ops = narrowingPatch(Restorer.toTree(current));
      if (ops == null) {
        changes.unchanged(ROLE_KEY + " has no rule on " + RESOURCE);
        return;
      }
      if (ops.isEmpty()) {
        changes.unchanged(ROLE_KEY + " no longer grants * on " + RESOURCE);
        return;
      }
      try {
        role.patch(PatchContext.of(PatchType.JSON), ops.toString());
        changes.changed("narrowed " + ROLE_KEY + " verbs on " + RESOURCE + " from * to get");
        return;
      } catch (KubernetesClientException e) {
        boolean raced = e.getCode() == 422 || e.getCode() == 409;
        if (!raced || attempt >= PATCH_ATTEMPTS) {
          throw Failures.kubernetes("patch " + ROLE_KEY, e);
        }
        changes.unchanged(
            ROLE_KEY + " changed while it was patched (" + e.getCode() + "); reading it again");
      }
    }
  }

  /**
   * The JSON patch narrowing {@code role}: empty when no rule grants {@code *} on the resource any
   * more, null when no rule names it at all.
   */
  static ArrayNode narrowingPatch(JsonNode role) {
    ArrayNode ops = JsonNodeFactory.instance.arrayNode();
    JsonNode rules = role.path("rules");
    boolean named = false;
    for (int i = 0; i < rules.size(); i++) {
      JsonNode rule = rules.get(i);
      if (!contains(rule.path("resources"), RESOURCE)) {
        continue;
      }
      named = true;
      JsonNode verbs = rule.path("verbs");
      int star = indexOf(verbs, "*");
      if (star < 0) {
        continue;
      }
      String base = "/rules/" + i;
      ops.add(op("test", base + "/resources", rule.path("resources")));
      ops.add(op("test", base + "/verbs", verbs));
      if (contains(verbs, "get")) {
        ops.add(op("remove", base + "/verbs/" + star, null));
      } else {
        ops.add(op("replace", base + "/verbs/" + star, JsonNodeFactory.instance.textNode("get")));
      }
    }
    return named ? ops : null;
  }

  private static ObjectNode op(String op, String path, JsonNode value) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("op", op);
    o.put("path", path);
    if (value != null) {
      o.set("value", value.deepCopy());
    }
    return o;
  }

  private static boolean contains(JsonNode array, String value) {
    return indexOf(array, value) >= 0;
  }

  private static int indexOf(JsonNode array, String value) {
    for (int i = 0; i < array.size(); i++) {
      if (value.equals(array.get(i).asText())) {
        return i;
      }
    }
    return -1;
  }

  /**
   * What {@link #disableGalleyWebhook} will do, read only: the JSON patch narrowing the ClusterRole
   * (from {@link #narrowingPatch}), and the webhook's deletion.
   */
  public List<PlannedChange> plan(MigrationContext ctx) {
    KubernetesClient client = clients.client(ctx.connection());
    String step = Step.DISABLE_GALLEY_WEBHOOK.id();
    List<PlannedChange> out = new ArrayList<>();
    ClusterRole role =
        StepChanges.call(
            "get " + ROLE_KEY, client.rbac().clusterRoles().withName(CLUSTER_ROLE)::get);
    if (role != null) {
      ArrayNode ops = narrowingPatch(Restorer.toTree(role));
      if (ops != null && !ops.isEmpty()) {
        out.add(
            PlannedChange.patch(
                step,
                ROLE_KEY,
                "json",
                ops,
                "verbs on " + RESOURCE + " from * to get, so Galley cannot re-create its webhook"));
      }
    }
    ValidatingWebhookConfiguration webhook =
        StepChanges.call(
            "get " + WEBHOOK_KEY,
            client.admissionRegistration().v1().validatingWebhookConfigurations().withName(WEBHOOK)
                ::get);
    if (webhook != null) {
      out.add(PlannedChange.delete(step, WEBHOOK_KEY, "Galley's validating webhook"));
    }
    return out;
  }

  @Override
  public void restoreGalleyWebhook(GalleyRequest request) {
    StepChanges changes = session(request.context());
    // the ClusterRole first: Galley may then reconcile its webhook, which the restore overwrites
    changes.restore(ROLE_KEY);
    changes.restore(WEBHOOK_KEY);
  }

  private StepChanges session(MigrationContext ctx) {
    return new StepChanges(
        clients.client(ctx.connection()),
        backups.forContext(ctx),
        ctx,
        Step.DISABLE_GALLEY_WEBHOOK.id());
  }
}
