package dev.asmmigrate.activities.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.workflows.model.BackupRef;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalBackupStoreTest {
  @TempDir Path tmp;

  static final ObjectKey SECRET = new ObjectKey("v1", "Secret", "istio-system", "istio-ca-secret");
  static final ObjectKey ROLE =
      new ObjectKey(
          "rbac.authorization.k8s.io/v1", "ClusterRole", null, "istio-galley-istio-system");

  static ObjectNode secret(String caCertBase64) {
    ObjectNode s = BackupContent.MAPPER.createObjectNode();
    s.put("apiVersion", "v1");
    s.put("kind", "Secret");
    ObjectNode meta = s.putObject("metadata");
    meta.put("name", "istio-ca-secret");
    meta.put("namespace", "istio-system");
    meta.put("resourceVersion", "42");
    meta.put("uid", "0b6a0f4e-0000-4000-8000-000000000001");
    meta.put("creationTimestamp", "2024-01-01T00:00:00Z");
    meta.putArray("managedFields").addObject().put("manager", "kubectl");
    s.put("type", "istio.io/ca-root");
    s.putObject("data").put("ca-cert.pem", caCertBase64);
    return s;
  }

  @Test
  void
      givenABackup_whenSavedLocally_itShouldBeAnOwnerOnlyFileWithAHeaderUnderTheMigrationsDirectory()
          throws Exception {
    Path dir = tmp.resolve("backups");
    LocalBackupStore store = new LocalBackupStore(dir);

    BackupRef ref = store.save("mig-1", "configure-mesh-ca", SECRET, secret("c2VjcmV0LWJ5dGVz"));

    Path file = dir.resolve("mig-1").resolve(ref.key() + ".json");
    assertThat(file).isRegularFile();
    assertThat(Files.getPosixFilePermissions(dir))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    assertThat(Files.getPosixFilePermissions(dir.resolve("mig-1")))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    assertThat(Files.getPosixFilePermissions(file))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    try (Stream<Path> files = Files.list(dir.resolve("mig-1"))) {
      assertThat(files).containsExactly(file); // no temporary file left behind
    }

    JsonNode header = BackupContent.MAPPER.readTree(file.toFile());
    assertThat(header.path("format").asText()).isEqualTo(LocalBackupStore.FORMAT);
    assertThat(header.path("migrationId").asText()).isEqualTo("mig-1");
    assertThat(header.path("step").asText()).isEqualTo("configure-mesh-ca");
    assertThat(header.path("kind").asText()).isEqualTo("Secret");
    assertThat(header.path("namespace").asText()).isEqualTo("istio-system");
    assertThat(header.path("name").asText()).isEqualTo("istio-ca-secret");
    assertThat(header.path("sha256").asText()).isEqualTo(ref.sha256());
    assertThat(header.path("absent").asBoolean()).isFalse();
    assertThat(header.path("object").path("metadata").has("resourceVersion")).isFalse();
    assertThat(header.path("object").path("metadata").has("managedFields")).isFalse();

    Backup loaded = store.load("mig-1", SECRET).orElseThrow();
    assertThat(loaded.ref()).isEqualTo(ref);
    assertThat(loaded.object().path("data").path("ca-cert.pem").asText())
        .isEqualTo("c2VjcmV0LWJ5dGVz");
    assertThat(ref.toString()).doesNotContain("c2VjcmV0LWJ5dGVz");
  }

  @Test
  void givenAnExistingBackup_whenSavedAgainWithOtherContent_itShouldKeepTheFirstFile()
      throws Exception {
    LocalBackupStore store = new LocalBackupStore(tmp);
    BackupRef first = store.save("mig-1", "configure-mesh-ca", SECRET, secret("Zmlyc3Q="));
    Path file = tmp.resolve("mig-1").resolve(first.key() + ".json");
    byte[] bytes = Files.readAllBytes(file);

    BackupRef second = store.save("mig-1", "configure-mesh-ca", SECRET, secret("c2Vjb25k"));

    assertThat(second).isEqualTo(first);
    assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
    assertThat(
            store
                .load("mig-1", SECRET)
                .orElseThrow()
                .object()
                .path("data")
                .path("ca-cert.pem")
                .asText())
        .isEqualTo("Zmlyc3Q=");
  }

  @Test
  void givenConcurrentSavesOfOneObject_whenTheyRace_itShouldKeepExactlyOneBackup()
      throws Exception {
    LocalBackupStore store = new LocalBackupStore(tmp);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<BackupRef>> refs = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        String content = "dmFsdWUt" + i;
        refs.add(pool.submit(() -> store.save("race", "s", SECRET, secret(content))));
      }
      Set<BackupRef> distinct = new java.util.HashSet<>();
      for (Future<BackupRef> f : refs) {
        distinct.add(f.get(10, TimeUnit.SECONDS));
      }
      assertThat(distinct).hasSize(1);
      assertThat(store.load("race", SECRET).orElseThrow().ref())
          .isEqualTo(distinct.iterator().next());
      try (Stream<Path> files = Files.list(tmp.resolve("race"))) {
        assertThat(files).hasSize(1);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void givenBackupsOfSeveralSteps_whenListed_itShouldFilterByStepOldestFirst() {
    LocalBackupStore store = new LocalBackupStore(tmp);
    store.save("mig", "disable-galley-webhook", ROLE, null);
    store.save("mig", "configure-mesh-ca", SECRET, secret("YQ=="));
    store.save("other", "configure-mesh-ca", SECRET, secret("Yg=="));

    assertThat(store.list("mig", null)).extracting(Backup::key).containsExactly(ROLE, SECRET);
    assertThat(store.list("mig", "configure-mesh-ca"))
        .extracting(Backup::key)
        .containsExactly(SECRET);
    assertThat(store.list("mig", null).get(0).absent()).isTrue();
    assertThat(store.list("nobody", null)).isEmpty();
    assertThat(store.load("nobody", SECRET)).isEmpty();
  }

  @Test
  void givenAMigrationIdThatIsNotASafeFileName_whenSaved_itShouldStayInsideTheDirectory()
      throws Exception {
    LocalBackupStore store = new LocalBackupStore(tmp.resolve("b"));
    store.save("../escape", "s", SECRET, secret("YQ=="));

    assertThat(tmp.resolve("escape")).doesNotExist();
    try (Stream<Path> dirs = Files.list(tmp.resolve("b"))) {
      assertThat(dirs)
          .singleElement()
          .satisfies(d -> assertThat(d.getFileName().toString()).startsWith("h-"));
    }
    assertThat(store.load("../escape", SECRET)).isPresent();
  }

  @Test
  void givenABackupFileEditedAfterwards_whenLoaded_itShouldFailWithBackupConflict()
      throws Exception {
    LocalBackupStore store = new LocalBackupStore(tmp);
    BackupRef ref = store.save("mig", "s", SECRET, secret("YQ=="));
    Path file = tmp.resolve("mig").resolve(ref.key() + ".json");
    Files.writeString(file, Files.readString(file).replace("YQ==", "Yg=="));

    assertThatThrownBy(() -> store.load("mig", SECRET))
        .isInstanceOfSatisfying(
            ApplicationFailure.class, f -> assertThat(f.getType()).isEqualTo("BACKUP_CONFLICT"));
  }

  @Test
  void givenABackupDirWhoseParentIsAFile_whenABackupIsSaved_itShouldFailOnceForGoodInOneLine()
      throws Exception {
    Path file = Files.writeString(tmp.resolve("a-file"), "not a directory");
    LocalBackupStore store = new LocalBackupStore(file.resolve("backups"));

    io.temporal.failure.ApplicationFailure failure =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            io.temporal.failure.ApplicationFailure.class,
            () -> store.save("mig-1", "control-plane", SECRET, secret("eA==")));

    // non-retryable, typed, one line naming the path and the cause: no retry can fix it
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getType())
        .isEqualTo(dev.asmmigrate.workflows.model.FailureType.BACKUP_UNUSABLE.name());
    assertThat(failure.getOriginalMessage())
        .isEqualTo(
            "--backup-dir is unusable: cannot create backup directory "
                + file.resolve("backups").resolve("mig-1")
                + ": "
                + file
                + " exists and is not a directory; give a writable directory")
        .doesNotContain("\n");
  }
}
