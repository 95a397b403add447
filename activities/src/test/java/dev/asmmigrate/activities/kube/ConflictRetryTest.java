package dev.asmmigrate.activities.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.asmmigrate.workflows.model.FailureType;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.temporal.failure.ApplicationFailure;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A write that meets a 409 is read and applied again in place; 429 and 5xx stay transient (plain
 * exceptions Temporal retries), and only 4xx that a retry cannot fix become permanent failures.
 */
class ConflictRetryTest {

  static KubernetesClientException answer(int code, String reason) {
    Status status =
        new StatusBuilder().withCode(code).withReason(reason).withMessage(reason).build();
    return new KubernetesClientException(status);
  }

  @Test
  void givenConflictsThenSuccess_whenReadDecideWrite_itShouldRunAgainFromTheRead() {
    AtomicInteger reads = new AtomicInteger();
    StepChanges.rereadOnConflict(
        "update x",
        () -> {
          if (reads.incrementAndGet() < 3) {
            throw answer(409, "Conflict");
          }
        });
    assertThat(reads).hasValue(3);
  }

  @Test
  void givenAnAlreadyExistsOnCreate_whenReadDecideWrite_itShouldReadAgainAndFindIt() {
    AtomicInteger reads = new AtomicInteger();
    StepChanges.rereadOnConflict(
        "create x",
        () -> {
          if (reads.incrementAndGet() == 1) {
            throw answer(409, "AlreadyExists");
          }
        });
    assertThat(reads).hasValue(2);
  }

  @Test
  void givenAConflictThatPersists_itShouldStopAfterTheBoundAndStayTransient() {
    AtomicInteger reads = new AtomicInteger();
    assertThatThrownBy(
            () ->
                StepChanges.rereadOnConflict(
                    "update x",
                    () -> {
                      reads.incrementAndGet();
                      throw answer(409, "Conflict");
                    }))
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
    assertThat(reads).hasValue(StepChanges.CONFLICT_ATTEMPTS);
  }

  @Test
  void givenAnotherFailure_itShouldNotRunAgain() {
    AtomicInteger reads = new AtomicInteger();
    assertThatThrownBy(
            () ->
                StepChanges.rereadOnConflict(
                    "update x",
                    () -> {
                      reads.incrementAndGet();
                      throw answer(500, "InternalError");
                    }))
        .isInstanceOf(KubernetesClientException.class);
    assertThat(reads).hasValue(1);
  }

  @Test
  void givenAConflictOnAPatch_itShouldBeSentAgain() {
    AtomicInteger sent = new AtomicInteger();
    String result =
        StepChanges.patch(
            "patch x",
            () -> {
              if (sent.incrementAndGet() == 1) {
                throw answer(409, "Conflict");
              }
              return "patched";
            });
    assertThat(result).isEqualTo("patched");
    assertThat(sent).hasValue(2);
  }

  @Test
  void givenThrottlingOrServerErrors_theyShouldStayRetryable_andOnlyUnfixableOnesPermanent() {
    for (int code : new int[] {429, 500, 503, 504, 409}) {
      KubernetesClientException e = answer(code, "x");
      assertThat(Failures.kubernetes("get x", e)).as("code %d", code).isSameAs(e);
    }
    assertThatThrownBy(
            () ->
                StepChanges.patch(
                    "patch x",
                    () -> {
                      throw answer(429, "TooManyRequests");
                    }))
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(429));
    assertThat(Failures.kubernetes("patch x", answer(403, "Forbidden")))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getType()).isEqualTo(FailureType.PERMISSION_DENIED.name());
            });
  }
}
