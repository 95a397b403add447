package dev.asmmigrate.activities.google;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.gax.grpc.GrpcStatusCode;
import com.google.api.gax.rpc.ApiExceptionFactory;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.failure.ApplicationFailure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GoogleClientsTest {

  static RuntimeException gax(Status.Code code) {
    return ApiExceptionFactory.createException(
        new StatusRuntimeException(Status.fromCode(code).withDescription("from the fake")),
        GrpcStatusCode.of(code),
        false);
  }

  @ParameterizedTest
  @CsvSource({
    "PERMISSION_DENIED, PERMISSION_DENIED",
    "UNAUTHENTICATED, PERMISSION_DENIED",
    "NOT_FOUND, NOT_FOUND",
    "INVALID_ARGUMENT, INVALID_INPUT"
  })
  void givenAPermanentGoogleFailure_whenCalled_itShouldBecomeANonRetryableFailureOfItsType(
      Status.Code code, String type) {
    for (RuntimeException failure :
        new RuntimeException[] {gax(code), Status.fromCode(code).asRuntimeException()}) {
      assertThatThrownBy(
              () ->
                  GoogleClients.call(
                      "get cluster projects/p/locations/l/clusters/c",
                      () -> {
                        throw failure;
                      }))
          .isInstanceOfSatisfying(
              ApplicationFailure.class,
              f -> {
                assertThat(f.getType()).isEqualTo(type);
                assertThat(f.isNonRetryable()).isTrue();
                assertThat(f.getOriginalMessage())
                    .startsWith("get cluster projects/p/locations/l/clusters/c");
              });
    }
  }

  @ParameterizedTest
  @CsvSource({"UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL", "ABORTED", "FAILED_PRECONDITION"})
  void givenATransientGoogleFailure_whenCalled_itShouldBeRethrownForTemporalToRetry(
      Status.Code code) {
    RuntimeException failure = gax(code);

    assertThatThrownBy(
            () ->
                GoogleClients.call(
                    "update cluster",
                    () -> {
                      throw failure;
                    }))
        .isSameAs(failure);
  }

  @Test
  void givenAFailureThatIsNotGoogles_whenClassified_itShouldBeLeftAlone() {
    IllegalStateException other = new IllegalStateException("x");
    assertThat(GoogleClients.classify("x", other)).isSameAs(other);
    assertThat(GoogleClients.code(other)).isNull();
    assertThat(GoogleClients.isNotFound(gax(Status.Code.NOT_FOUND))).isTrue();
  }
}
