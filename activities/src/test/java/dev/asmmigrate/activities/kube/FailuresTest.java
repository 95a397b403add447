package dev.asmmigrate.activities.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.FailureType;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.temporal.failure.ApplicationFailure;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a worker makes of an API server that does not answer. */
class FailuresTest {
  @TempDir Path dir;

  @Test
  void givenAKubeconfigNamingAClosedPort_whenARequestFails_itShouldBeARetryableUnreachableInWords()
      throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path kubeconfig =
        Files.writeString(
            dir.resolve("kubeconfig"),
            """
            apiVersion: v1
            kind: Config
            clusters:
            - name: c
              cluster: {server: "https://127.0.0.1:%d", insecure-skip-tls-verify: true}
            contexts:
            - name: closed
              context: {cluster: c, user: u}
            current-context: closed
            users:
            - name: u
              user: {token: t}
            """
                .formatted(port));
    Throwable thrown;
    try (KubernetesClient client =
        KubeClients.build(new Connection(kubeconfig.toString(), "closed", null))) {
      thrown =
          catchThrowable(() -> client.configMaps().inNamespace("istio-system").withName("x").get());
    }

    Throwable classified = Failures.classify(thrown);

    assertThat(classified).isInstanceOf(ApplicationFailure.class);
    ApplicationFailure af = (ApplicationFailure) classified;
    assertThat(af.getType()).isEqualTo(FailureType.API_UNREACHABLE.name());
    assertThat(af.isNonRetryable()).isFalse();
    assertThat(af.getOriginalMessage())
        .isEqualTo(
            "cannot reach the API server at https://127.0.0.1:" + port + ": connection refused");
  }

  @Test
  void givenAnyOtherFailure_itShouldBeLeftAsItIs() {
    IllegalStateException other = new IllegalStateException("something else");

    assertThat(Failures.classify(other)).isSameAs(other);
  }
}
