package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.ClusterBackupStore;
import dev.asmmigrate.activities.backup.LocalBackupStore;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.api.ResourceType;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DefaultDataConverter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Nothing secret in history, logs or output (issue 5 item 6), checked WITHOUT the payload codec so
 * that it is the product's own discipline that is tested, not the encryption. The whole migration
 * of the add-on 1.4 sandbox (whose istio-ca-secret holds a real CA key) runs in {@link
 * MigrationEndToEndTest} with the product's logging at DEBUG and goes through {@link
 * #assertNothingSecretLeaked}: neither the exported workflow history, nor any log event of the run,
 * nor the command's output holds any Secret's data in any form; Secret backups are Secrets. Here:
 * that the search has teeth, and that local backups are owner-only.
 */
class NoSecretsInHistoryOrLogsTest {
  @TempDir Path tmp;

  /** Before a migration: the values looked for include the CA key, among many. */
  static SecretLeaks secretsOf(DemoRun run) {
    SecretLeaks secrets = SecretLeaks.of(run.sandbox().store());
    assertThat(secrets.covers("Secret istio-system/istio-ca-secret key ca-key.pem (PEM line"))
        .as("the CA key's PEM lines are among the values looked for")
        .isTrue();
    assertThat(secrets.size()).isGreaterThan(50);
    return secrets;
  }

  /**
   * After a migration: none of {@code secrets} in its history, logs, output or backup ConfigMaps.
   */
  static void assertNothingSecretLeaked(
      DemoRun run, SecretLeaks secrets, Path history, LogCapture logs, String output)
      throws IOException {
    String historyJson = Files.readString(history);
    List<String> leaks = new ArrayList<>();
    leaks.addAll(secrets.findIn("the workflow history", historyJson));
    leaks.addAll(secrets.findIn("the logs", logs.text()));
    leaks.addAll(secrets.findIn("the command's output", output));
    assertThat(leaks).isEmpty();
    // the search reads inside the real history's payloads and the real logs
    assertThat(historyJson).contains("EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED");
    SecretLeaks stepName = new SecretLeaks();
    stepName.addBase64(
        "a step name", Base64.getEncoder().encodeToString("configure-mesh-ca".getBytes()));
    assertThat(stepName.findIn("the workflow history", historyJson))
        .anyMatch(f -> f.contains("(decoded)"));
    assertThat(logs.size()).isGreaterThan(100);
    assertSecretBackupsAreSecrets(run, secrets);
  }

  /**
   * The search has teeth: a CA key line written to the log, or carried in a payload of a history
   * (as base64 of JSON, the way Temporal exports it), is found.
   */
  @Test
  void givenACaKeyLineLoggedOrInAPayload_whenSearched_itShouldBeFound() throws Exception {
    SecretLeaks secrets = new SecretLeaks();
    String pemKey =
        "-----BEGIN RSA PRIVATE KEY-----\n"
            + "MIIEpAIBAAKCAQEAm4WZ54ZrLF/vHMnwcVI9g774Rqx7YuTLjxHDiUko7dPixCzv\n"
            + "-----END RSA PRIVATE KEY-----\n";
    secrets.addBase64(
        "Secret planted/ca key ca-key.pem", Base64.getEncoder().encodeToString(pemKey.getBytes()));

    String logged;
    try (LogCapture logs = LogCapture.debug()) {
      LoggerFactory.getLogger("dev.asmmigrate.activities.meshca")
          .debug("careless debug line: {}", pemKey);
      logged = logs.text();
    }
    assertThat(secrets.findIn("the logs", logged))
        .anyMatch(f -> f.contains("PEM line 2") && f.contains("in the logs"));

    Payload payload =
        DefaultDataConverter.newDefaultInstance()
            .toPayload(Map.of("backup", Map.of("data", pemKey)))
            .orElseThrow();
    String history =
        "{\"events\":[{\"activityTaskCompletedEventAttributes\":{\"result\":{\"payloads\":[{"
            + "\"data\":\""
            + Base64.getEncoder().encodeToString(payload.getData().toByteArray())
            + "\"}]}}}]}";
    assertThat(history).doesNotContain("MIIEpAIBAAKCAQEA");
    assertThat(secrets.findIn("a history", history)).anyMatch(f -> f.contains("PEM line 2"));
    assertThat(secrets.findIn("a clean history", "{\"events\":[]}")).isEmpty();
  }

  /**
   * In-cluster backups of Secrets are Secrets; no ConfigMap there holds any Secret's data, except
   * CA certificates: the backup of an admission webhook configuration holds its caBundle, the
   * add-on root that Secrets istio.default also carry as root-cert.pem (public data, which every
   * real cluster keeps in its webhook configurations).
   */
  private static void assertSecretBackupsAreSecrets(DemoRun run, SecretLeaks secrets) {
    List<ObjectNode> configMaps = backups(run, ResourceRegistry.CONFIGMAPS);
    List<ObjectNode> backupSecrets = backups(run, ResourceRegistry.SECRETS);
    assertThat(configMaps).isNotEmpty();
    SecretLeaks notPublic = secrets.withoutCertificates();
    assertThat(notPublic.covers("Secret istio-system/istio-ca-secret key ca-key.pem (PEM line"))
        .isTrue();
    for (ObjectNode cm : configMaps) {
      String kind =
          cm.path("metadata").path("annotations").path(ClusterBackupStore.ANN_KIND).asText();
      assertThat(kind).as(cm.path("metadata").path("name").asText()).isNotEqualTo("Secret");
      assertThat(notPublic.findIn("backup ConfigMap", cm.toString())).isEmpty();
    }
    assertThat(backupSecrets)
        .as("cleanup backs up istio-ca-secret as a Secret")
        .anySatisfy(
            s -> {
              assertThat(
                      s.path("metadata")
                          .path("annotations")
                          .path(ClusterBackupStore.ANN_NAME)
                          .asText())
                  .isEqualTo("istio-ca-secret");
              assertThat(s.path("type").asText()).isEqualTo("Opaque");
            });
    for (ObjectNode s : backupSecrets) {
      assertThat(s.path("metadata").path("annotations").path(ClusterBackupStore.ANN_KIND).asText())
          .isEqualTo("Secret");
    }
  }

  private static List<ObjectNode> backups(DemoRun run, ResourceType type) {
    return run.sandbox().store().list(type, ClusterBackupStore.NAMESPACE).stream()
        .filter(
            o ->
                "true"
                    .equals(
                        o.path("metadata")
                            .path("labels")
                            .path(ClusterBackupStore.LABEL_BACKUP)
                            .asText()))
        .toList();
  }

  /** A local backup directory: the CA Secret's backup is owner-only, its directories too. */
  @Test
  void givenALocalBackupDir_whenTheCaSecretIsBackedUp_itShouldBeOwnerOnly() throws IOException {
    Path dir = tmp.resolve("backups");
    ObjectNode caSecret =
        (ObjectNode)
            new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(
                    "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":"
                        + "\"istio-ca-secret\",\"namespace\":\"istio-system\"},\"data\":"
                        + "{\"ca-key.pem\":\"LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo=\"}}");
    new LocalBackupStore(dir)
        .save(
            "mig-1",
            "cleanup",
            new ObjectKey("v1", "Secret", "istio-system", "istio-ca-secret"),
            caSecret);

    assertThat(Files.getPosixFilePermissions(dir))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.toList()) {
        assertThat(Files.getPosixFilePermissions(p))
            .as(p.toString())
            .isEqualTo(
                PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwx------" : "rw-------"));
      }
    }
  }
}
