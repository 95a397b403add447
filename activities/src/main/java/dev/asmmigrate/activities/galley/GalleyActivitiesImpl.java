package dev.asmmigrate.activities.galley;

import static dev.asmmigrate.activities.galley.GalleyChanges.CLUSTER_ROLE;
import static dev.asmmigrate.activities.galley.GalleyChanges.RESOURCE;
import static dev.asmmigrate.activities.galley.GalleyChanges.ROLE_KEY;
import static dev.asmmigrate.activities.galley.GalleyChanges.WEBHOOK;
import static dev.asmmigrate.activities.galley.GalleyChanges.WEBHOOK_KEY;

import dev.asmmigrate.activities.backup.BackupStores;
import dev.asmmigrate.activities.backup.Restorer;
import dev.asmmigrate.activities.galley.GalleyChanges.Observed;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.workflows.activities.GalleyActivities;
import dev.asmmigrate.workflows.model.MigrationContext;
import dev.asmmigrate.workflows.model.StepResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.List;

/**
 * Step {@code disable-galley-webhook} (add-on 1.4): Galley re-creates its validating webhook as
 * long as its ClusterRole lets it write ValidatingWebhookConfigurations, and that webhook rejects
 * configuration the managed control plane accepts. So: narrow the ClusterRole's rule on {@code
 * validatingwebhookconfigurations} from {@code *} to {@code get}, then delete the webhook; both
 * decided by {@link GalleyChanges#desired}.
 */
public final class GalleyActivitiesImpl implements GalleyActivities {
  private static final int PATCH_ATTEMPTS = 3;

  private final KubeClients clients;
  private final BackupStores backups;

  public GalleyActivitiesImpl(KubeClients clients, BackupStores backups) {
    this.clients = clients;
    this.backups = backups;
  }

  /**
   * Reads the ClusterRole and the webhook, backs both up, and applies {@link
   * GalleyChanges#desired}. The narrowing patch's {@code test} operations fail (422) when the rules
   * changed since they were read: then everything is read and computed again.
   */
  @Override
  public StepResult disableGalleyWebhook(GalleyRequest request) {
    StepChanges changes = session(request.context());
    KubernetesClient client = changes.client();
    for (int attempt = 1; ; attempt++) {
      Observed observed = observe(client);
      if (observed.role() != null) {
        changes.backupTree(ROLE_KEY, observed.role());
      }
      if (observed.webhook() != null) {
        changes.backupTree(WEBHOOK_KEY, observed.webhook());
      } else {
        changes.recordExisting(WEBHOOK_KEY);
        changes.unchanged(WEBHOOK_KEY + " does not exist");
      }
      List<PlannedChange> desired = GalleyChanges.desired(observed);
      if (desired.stream().noneMatch(c -> c.verb().equals("patch"))) {
        changes.unchanged(
            ROLE_KEY
                + (observed.role() == null
                    ? " does not exist: Galley cannot re-create its webhook"
                    : " grants no * on " + RESOURCE));
      }
      try {
        apply(changes, desired);
        return changes.result();
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

  private static Observed observe(KubernetesClient client) {
    return new Observed(
        tree(
            StepChanges.call(
                "get " + ROLE_KEY, client.rbac().clusterRoles().withName(CLUSTER_ROLE)::get)),
        tree(
            StepChanges.call(
                "get " + WEBHOOK_KEY,
                client
                        .admissionRegistration()
                        .v1()
                        .validatingWebhookConfigurations()
                        .withName(WEBHOOK)
                    ::get)));
  }

  private static com.fasterxml.jackson.databind.node.ObjectNode tree(HasMetadata object) {
    return object == null ? null : Restorer.toTree(object);
  }

  /** Applies {@code desired}; the role's patch throws its KubernetesClientException as it is. */
  private static void apply(StepChanges changes, List<PlannedChange> desired) {
    KubernetesClient client = changes.client();
    for (PlannedChange c : desired) {
      switch (c.verb()) {
        case "patch" -> {
          client
              .rbac()
              .clusterRoles()
              .withName(CLUSTER_ROLE)
              .patch(PatchContext.of(PatchType.JSON), c.body().toString());
          changes.changed("narrowed " + ROLE_KEY + " verbs on " + RESOURCE + " from * to get");
        }
        case "delete" -> {
          StepChanges.call(
              "delete " + WEBHOOK_KEY,
              client
                      .admissionRegistration()
                      .v1()
                      .validatingWebhookConfigurations()
                      .withName(WEBHOOK)
                  ::delete);
          changes.changed("deleted " + WEBHOOK_KEY);
        }
        default -> throw new IllegalStateException("disable-galley-webhook does not " + c.verb());
      }
    }
  }

  /** What {@link #disableGalleyWebhook} will do, read only: {@link GalleyChanges#desired}. */
  public List<PlannedChange> plan(MigrationContext ctx) {
    return GalleyChanges.desired(observe(clients.client(ctx.connection())));
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
        clients.client(ctx.connection()), backups.forContext(ctx), ctx, GalleyChanges.STEP);
  }
}
