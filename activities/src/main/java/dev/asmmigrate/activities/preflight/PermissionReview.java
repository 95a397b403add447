package dev.asmmigrate.activities.preflight;

import static dev.asmmigrate.activities.preflight.PreflightReads.call;

import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.workflows.model.FailureType;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The caller's permissions for every call the migration makes ({@link RequiredPermissions}), asked
 * with SelfSubjectAccessReviews, which persist nothing.
 */
final class PermissionReview {
  static final int REVIEW_CONCURRENCY = 8;

  private PermissionReview() {}

  static void checkPermissions(KubernetesClient client) {
    List<RequiredPermissions.Permission> all = RequiredPermissions.all();
    // one review per permission, a few at a time: they persist nothing and are cheap to answer
    ExecutorService pool = Executors.newFixedThreadPool(REVIEW_CONCURRENCY);
    try {
      List<Future<Boolean>> answers = new ArrayList<>();
      for (RequiredPermissions.Permission p : all) {
        answers.add(pool.submit(() -> allowed(client, p)));
      }
      List<String> missing = new ArrayList<>();
      for (int i = 0; i < all.size(); i++) {
        if (!answers.get(i).get()) {
          missing.add(all.get(i).toString());
        }
      }
      if (!missing.isEmpty()) {
        throw Failures.permanent(
            FailureType.PERMISSION_DENIED,
            "the migration needs "
                + missing.size()
                + " permission"
                + (missing.size() == 1 ? "" : "s")
                + " the caller lacks: "
                + String.join(", ", missing));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reviewing permissions", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  static boolean allowed(KubernetesClient client, RequiredPermissions.Permission p) {
    SelfSubjectAccessReview review =
        new SelfSubjectAccessReviewBuilder()
            .withNewSpec()
            .withNewResourceAttributes()
            .withVerb(p.verb())
            .withGroup(p.group())
            .withResource(p.resource().split("/", 2)[0])
            .withSubresource(p.resource().contains("/") ? p.resource().split("/", 2)[1] : null)
            .withNamespace(p.namespace())
            .withName(p.name())
            .endResourceAttributes()
            .endSpec()
            .build();
    SelfSubjectAccessReview answer =
        call(
            "create selfsubjectaccessreview for " + p,
            () -> client.authorization().v1().selfSubjectAccessReview().create(review));
    return answer.getStatus() != null && Boolean.TRUE.equals(answer.getStatus().getAllowed());
  }
}
