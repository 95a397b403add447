package dev.asmmigrate.activities.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.backup.Restorer;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.activities.kube.GenericResources;
import dev.asmmigrate.activities.kube.StepChanges;
import dev.asmmigrate.workflows.model.FailureType;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Kubernetes change a step computed from what it read (its pure {@code desired(...)}): as
 * {@code plan} shows it, and as the activity sends it. A step's plan is the list of {@link
 * #planned}; its activity {@linkplain #apply applies} the same list, so the two cannot drift.
 *
 * @param planned the change as {@code plan} lists it (no secret data in its body or note)
 * @param sent what the request carries: the object created or written by an update (with the
 *     resourceVersion read), or the patch; may hold secret data, so it is never logged
 * @param done the line the step's result and log record once it is made
 */
public record DesiredChange(PlannedChange planned, JsonNode sent, String done) {
  private static final Logger log = LoggerFactory.getLogger(DesiredChange.class);

  /** A change whose request carries what {@code plan} shows. */
  public static DesiredChange of(PlannedChange planned, String done) {
    return new DesiredChange(planned, planned.body(), done);
  }

  public ObjectKey key() {
    return new ObjectKey(
        planned.apiVersion(),
        planned.kind(),
        planned.namespace().isEmpty() ? null : planned.namespace(),
        planned.name());
  }

  /** The plan of a list of changes. */
  public static List<PlannedChange> planned(List<DesiredChange> changes) {
    return changes.stream().map(DesiredChange::planned).toList();
  }

  /**
   * Sends the change. A delete of an object (or type) that is not there is done already.
   *
   * @throws KubernetesClientException as the API server answered
   */
  public void apply(KubernetesClient client) {
    ObjectKey key = key();
    var served = GenericResources.served(client, key.apiVersion(), key.kind());
    if (served.isEmpty()) {
      if (planned.verb().equals("delete")) {
        return; // the type is not served (a 1.4 cluster has no IstioOperator): nothing to delete
      }
      throw Failures.permanent(FailureType.NOT_FOUND, key + ": its type is not served");
    }
    var op = key.namespace() == null ? served.get() : served.get().inNamespace(key.namespace());
    switch (planned.verb()) {
      case "create" -> op.resource(Restorer.fromTree((ObjectNode) sent)).create();
      case "update" -> op.resource(Restorer.fromTree((ObjectNode) sent)).update();
      case "patch" -> op.withName(key.name()).patch(PatchContext.of(patchType()), sent.toString());
      case "delete" -> {
        try {
          op.withName(key.name()).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
        } catch (KubernetesClientException e) {
          if (e.getCode() != 404) {
            throw e;
          }
        }
      }
      default -> throw new IllegalStateException("cannot apply " + planned.describe());
    }
  }

  /**
   * Applies this change alone and records it; a failure is classified as {@link StepChanges#call}.
   */
  public void apply(StepChanges changes) {
    StepChanges.run(planned.describe(), () -> apply(changes.client()));
    changes.changed(done);
  }

  private PatchType patchType() {
    return switch (planned.patchType()) {
      case "json" -> PatchType.JSON;
      case "merge" -> PatchType.JSON_MERGE;
      case "strategic" -> PatchType.STRATEGIC_MERGE;
      default -> throw new IllegalStateException("patch type " + planned.patchType());
    };
  }

  /**
   * Applies the changes {@code compute} returns, in order, recording each in {@code changes}. When
   * a write meets a conflict — 409, or 422 from a JSON patch whose {@code test} failed: another
   * writer changed the object since it was read — {@code compute} runs again (it reads again, and
   * what is applied already is no change any more), up to {@value StepChanges#CONFLICT_ATTEMPTS}
   * times; then the conflict fails the activity, transient, for Temporal to retry it.
   *
   * @param compute reads what the step needs (and backs it up) and returns its {@code desired}
   * @return the changes applied
   */
  public static List<DesiredChange> reconcile(
      StepChanges changes, Supplier<List<DesiredChange>> compute) {
    List<DesiredChange> applied = new ArrayList<>();
    for (int attempt = 1; ; attempt++) {
      List<DesiredChange> desired = compute.get();
      if (desired.isEmpty() && applied.isEmpty()) {
        changes.unchanged("everything is as the step makes it");
      }
      DesiredChange current = null;
      try {
        for (DesiredChange c : desired) {
          current = c;
          c.apply(changes.client());
          applied.add(c);
          changes.changed(c.done());
        }
        return applied;
      } catch (KubernetesClientException e) {
        boolean conflict =
            e.getCode() == 409
                || (e.getCode() == 422 && "json".equals(current.planned.patchType()));
        if (!conflict || attempt >= StepChanges.CONFLICT_ATTEMPTS) {
          throw Failures.kubernetes(current.planned.describe(), e);
        }
        log.info(
            "{}: conflict ({}), reading again (attempt {})",
            current.planned.describe(),
            e.getCode(),
            attempt + 1);
      }
    }
  }
}
