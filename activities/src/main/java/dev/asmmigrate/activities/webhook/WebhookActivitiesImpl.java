package dev.asmmigrate.activities.webhook;

import static dev.asmmigrate.activities.webhook.WebhookChanges.INJECTION_SUFFIX;
import static dev.asmmigrate.activities.webhook.WebhookChanges.INJECTOR;
import static dev.asmmigrate.activities.webhook.WebhookChanges.INJECTOR_KEY;
import static dev.asmmigrate.activities.webhook.WebhookChanges.TAG;
import static dev.asmmigrate.activities.webhook.WebhookChanges.TAG_KEY;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.BackupStores;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.backup.Restorer;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.activities.webhook.WebhookChanges.Observed;
import dev.asmmigrate.workflows.activities.WebhookActivities;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.StepResult;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;

/**
 * Step {@code replace-webhook}: the add-on 1.4 injector's webhook stops matching, then the revision
 * tag {@code default} sends the namespaces still labelled {@code istio-injection=enabled} to the
 * managed control plane. In that order, so that no namespace is ever matched by two injection
 * webhooks (istio#43932: overlapping webhooks fail pod creation or inject twice). What changes is
 * decided by {@link WebhookChanges#desired}.
 */
public final class WebhookActivitiesImpl implements WebhookActivities {
  private final KubeClients clients;
  private final BackupStores backups;

  public WebhookActivitiesImpl(KubeClients clients, BackupStores backups) {
    this.clients = clients;
    this.backups = backups;
  }

  /**
   * Refuses, changing nothing, before the managed revision's webhook is there to copy from; else
   * reads the three configurations, backs up the injector and the tag (absent: undo deletes it),
   * and applies {@link WebhookChanges#desired}; a write meeting a conflict reads and computes
   * again.
   */
  @Override
  public StepResult replaceWebhook(WebhookRequest request) {
    MigrationContext ctx = request.context();
    StepChanges changes = session(ctx);
    Observed first = observe(changes.client(), ctx.revision());
    if (!first.provisioned()) {
      ObjectKey sourceKey = WebhookChanges.sourceKey(ctx.revision());
      throw Failures.permanent(
          FailureType.NOT_FOUND,
          sourceKey
              + (first.revisionWebhook() == null
                  ? " not found"
                  : " has no injection webhook (*." + INJECTION_SUFFIX + ") with a clientConfig")
              + ": the managed control plane "
              + ctx.revision()
              + " has not installed its injection webhook");
    }
    StepChanges.rereadOnConflict(
        "replace " + INJECTOR_KEY + " by " + TAG_KEY + " pointing at " + ctx.revision(),
        () -> {
          Observed observed = observe(changes.client(), ctx.revision());
          if (observed.injector() == null) {
            changes.recordExisting(INJECTOR_KEY);
            changes.unchanged(INJECTOR_KEY + " does not exist");
          } else {
            changes.backupTree(INJECTOR_KEY, observed.injector());
          }
          changes.backupTree(TAG_KEY, observed.tag());
          apply(changes, observed, WebhookChanges.desired(observed));
        });
    return changes.result();
  }

  private static Observed observe(KubernetesClient client, String revision) {
    var mwcs = client.admissionRegistration().v1().mutatingWebhookConfigurations();
    String source = WebhookChanges.sourceKey(revision).name();
    return new Observed(
        revision,
        tree(StepChanges.call("get " + INJECTOR_KEY, () -> mwcs.withName(INJECTOR).get())),
        tree(StepChanges.call("get " + source, () -> mwcs.withName(source).get())),
        tree(StepChanges.call("get " + TAG_KEY, () -> mwcs.withName(TAG).get())));
  }

  private static ObjectNode tree(MutatingWebhookConfiguration object) {
    return object == null ? null : Restorer.toTree(object);
  }

  private static void apply(StepChanges changes, Observed observed, List<PlannedChange> desired) {
    var mwcs = changes.client().admissionRegistration().v1().mutatingWebhookConfigurations();
    String revision = observed.revision();
    if (observed.injector() != null && desired.stream().noneMatch(c -> c.name().equals(INJECTOR))) {
      changes.unchanged(INJECTOR_KEY + " has no webhooks");
    }
    if (desired.stream().noneMatch(c -> c.name().equals(TAG))) {
      changes.unchanged(TAG_KEY + " points at " + revision);
    }
    for (PlannedChange c : desired) {
      MutatingWebhookConfiguration object =
          Restorer.fromTree((ObjectNode) c.body(), MutatingWebhookConfiguration.class);
      ObjectKey key = c.name().equals(INJECTOR) ? INJECTOR_KEY : TAG_KEY;
      switch (c.verb()) {
        case "create" -> StepChanges.call("create " + key, () -> mwcs.resource(object).create());
        case "update" -> StepChanges.call("update " + key, () -> mwcs.resource(object).update());
        default -> throw new IllegalStateException("replace-webhook does not " + c.verb());
      }
      if (key.equals(INJECTOR_KEY)) {
        changes.changed(
            "emptied "
                + INJECTOR_KEY
                + " ("
                + observed.injector().path("webhooks").size()
                + " webhooks removed)");
      } else if (c.verb().equals("create")) {
        changes.changed("created " + TAG_KEY + " pointing at " + revision);
      } else {
        changes.changed("replaced " + TAG_KEY + " to point at " + revision);
      }
    }
  }

  /**
   * What {@link #replaceWebhook} will do, read only: {@link WebhookChanges#desired}, each update's
   * body shown without the fields the API server keeps (metadata other than name, labels and
   * annotations; status). Before the managed control plane is provisioned its webhook {@code
   * istiod-<revision>} is not there to copy from: the template is shown, and the note says so.
   */
  public List<PlannedChange> plan(MigrationContext ctx) {
    return WebhookChanges.desired(observe(clients.client(ctx.connection()), ctx.revision()))
        .stream()
        .map(
            c -> {
              if (!c.verb().equals("update")) {
                return c;
              }
              ObjectNode body = ((ObjectNode) c.body()).deepCopy();
              body.remove("status");
              ((ObjectNode) body.path("metadata")).retain("name", "labels", "annotations");
              return PlannedChange.update(
                  c.step(), c.name().equals(INJECTOR) ? INJECTOR_KEY : TAG_KEY, body, c.note());
            })
        .toList();
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
    return new StepChanges(client, backups.forContext(ctx), ctx, WebhookChanges.STEP);
  }
}
