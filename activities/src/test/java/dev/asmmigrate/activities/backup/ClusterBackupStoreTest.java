package dev.asmmigrate.activities.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.workflows.model.BackupRef;
import io.temporal.failure.ApplicationFailure;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ClusterBackupStoreTest {
  static SandboxHarness h;
  static ClusterBackupStore store;
  static Restorer restorer;

  static final ObjectKey CA_SECRET =
      new ObjectKey("v1", "Secret", "istio-system", "istio-ca-secret");
  static final ObjectKey ISTIO_CM = new ObjectKey("v1", "ConfigMap", "istio-system", "istio");

  @BeforeAll
  static void start() {
    h =
        SandboxHarness.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.ADDON_1_4)
                .podReadyDelay(Duration.ofMillis(100)));
    store = new ClusterBackupStore(h.client());
    restorer = new Restorer(h.client());
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  @Test
  void givenASecret_whenBackedUpInTheCluster_itShouldKeepItAsAnOpaqueSecretWithByteExactData() {
    String id = UUID.randomUUID().toString();
    ObjectNode live = restorer.read(CA_SECRET);
    assertThat(live).as("fixture Secret istio-system/istio-ca-secret").isNotNull();

    BackupRef ref = store.save(id, "configure-mesh-ca", CA_SECRET, live);

    ObjectNode kept =
        h.sandbox
            .store()
            .get(ResourceRegistry.SECRETS, ClusterBackupStore.NAMESPACE, ref.key())
            .orElseThrow();
    assertThat(kept.path("type").asText()).isEqualTo("Opaque");
    assertThat(
            h.sandbox
                .store()
                .get(ResourceRegistry.CONFIGMAPS, ClusterBackupStore.NAMESPACE, ref.key()))
        .isEmpty();
    assertThat(
            kept.path("metadata").path("labels").path(ClusterBackupStore.LABEL_MIGRATION).asText())
        .isEqualTo(id);
    assertThat(kept.path("metadata").path("labels").path(ClusterBackupStore.LABEL_STEP).asText())
        .isEqualTo("configure-mesh-ca");
    Map<String, String> ann =
        BackupContent.MAPPER.convertValue(kept.path("metadata").path("annotations"), Map.class);
    assertThat(ann)
        .containsEntry(ClusterBackupStore.ANN_API_VERSION, "v1")
        .containsEntry(ClusterBackupStore.ANN_KIND, "Secret")
        .containsEntry(ClusterBackupStore.ANN_NAMESPACE, "istio-system")
        .containsEntry(ClusterBackupStore.ANN_NAME, "istio-ca-secret")
        .containsEntry(ClusterBackupStore.ANN_ABSENT, "false")
        .containsEntry(ClusterBackupStore.ANN_SHA256, ref.sha256())
        .containsKey(ClusterBackupStore.ANN_TIME);
    String storedJson =
        new String(
            Base64.getDecoder()
                .decode(kept.path("data").path(ClusterBackupStore.CONTENT_KEY).asText()),
            StandardCharsets.UTF_8);
    assertThat(BackupContent.sha256(storedJson)).isEqualTo(ref.sha256());
    assertThat(ref.key())
        .hasSizeLessThanOrEqualTo(63)
        .isEqualTo(BackupContent.backupName(id, CA_SECRET));

    Backup loaded = store.load(id, CA_SECRET).orElseThrow();
    assertThat(loaded.key()).isEqualTo(CA_SECRET);
    assertThat(loaded.ref()).isEqualTo(ref);
    assertThat(loaded.object().get("data")).isEqualTo(live.get("data"));
    assertThat(loaded.object().get("type")).isEqualTo(live.get("type"));

    // the namespace of the backups is the tool's own
    ObjectNode ns =
        h.sandbox
            .store()
            .get(ResourceRegistry.NAMESPACES, null, ClusterBackupStore.NAMESPACE)
            .orElseThrow();
    assertThat(ns.path("metadata").path("labels").path("app.kubernetes.io/managed-by").asText())
        .isEqualTo("asm-migrate");

    // no Secret content in the reference or the log lines
    List<String> secretValues = secretValues(live);
    assertThat(secretValues).isNotEmpty();
    String refText = ref.toString() + ref.key() + ref.sha256() + ref.name() + ref.namespace();
    List<String> logs = h.logLines();
    assertThat(logs).anyMatch(l -> l.contains("istio-ca-secret"));
    for (String value : secretValues) {
      assertThat(refText).doesNotContain(value);
      assertThat(logs).noneMatch(l -> l.contains(value));
    }
    assertThat(logs).noneMatch(l -> l.contains("BEGIN"));
  }

  @Test
  void givenAnExistingBackup_whenTheChangedObjectIsSavedAgain_itShouldKeepTheFirst() {
    String id = UUID.randomUUID().toString();
    ObjectNode before = restorer.read(ISTIO_CM);
    BackupRef first = store.save(id, "configure-mesh-ca", ISTIO_CM, before);

    ObjectNode changed = before.deepCopy();
    changed.with("data").put("mesh", "changed: true");
    BackupRef second = store.save(id, "configure-mesh-ca", ISTIO_CM, changed);
    BackupRef third = store.save(id, "rollback", ISTIO_CM, changed);

    assertThat(second).isEqualTo(first);
    assertThat(third).isEqualTo(first);
    assertThat(store.load(id, ISTIO_CM).orElseThrow().object().path("data"))
        .isEqualTo(before.path("data"));
    assertThat(store.list(id, null)).hasSize(1);
    assertThat(store.list(id, "rollback")).isEmpty();
  }

  @Test
  void givenServerManagedFields_whenBackedUp_itShouldStripThemAndKeepTheRest() {
    String id = UUID.randomUUID().toString();
    ObjectNode live = restorer.read(ISTIO_CM);
    assertThat(live.path("metadata").has("resourceVersion")).isTrue();
    assertThat(live.path("metadata").has("uid")).isTrue();

    store.save(id, "configure-mesh-ca", ISTIO_CM, live);

    ObjectNode kept = store.load(id, ISTIO_CM).orElseThrow().object();
    for (String field : BackupContent.SERVER_METADATA) {
      assertThat(kept.path("metadata").has(field)).as(field).isFalse();
    }
    assertThat(kept.has("status")).isFalse();
    assertThat(kept.path("metadata").path("name").asText()).isEqualTo("istio");
    assertThat(kept.path("data")).isEqualTo(live.path("data"));
  }

  @Test
  void givenAnObjectThatDoesNotExist_whenBackedUp_itShouldRecordItAbsent() {
    String id = UUID.randomUUID().toString();
    ObjectKey meshcaRoot = new ObjectKey("v1", "Secret", "istio-system", "meshca-root");

    BackupRef ref = store.save(id, "configure-mesh-ca", meshcaRoot, restorer.read(meshcaRoot));

    assertThat(ref.absent()).isTrue();
    Backup loaded = store.load(id, meshcaRoot).orElseThrow();
    assertThat(loaded.absent()).isTrue();
    assertThat(loaded.object()).isNull();
    assertThat(store.load(id, ISTIO_CM)).isEmpty();
  }

  @Test
  void givenBackupsOfTwoMigrations_whenListed_itShouldReturnOnlyThatMigrationsOldestFirst() {
    String id = UUID.randomUUID().toString();
    String other = UUID.randomUUID().toString();
    ObjectKey galley =
        new ObjectKey(
            "rbac.authorization.k8s.io/v1", "ClusterRole", null, "istio-galley-istio-system");
    store.save(id, "disable-galley-webhook", galley, restorer.read(galley));
    store.save(id, "configure-mesh-ca", ISTIO_CM, restorer.read(ISTIO_CM));
    store.save(id, "configure-mesh-ca", CA_SECRET, restorer.read(CA_SECRET));
    store.save(other, "configure-mesh-ca", ISTIO_CM, restorer.read(ISTIO_CM));

    assertThat(store.list(id, null))
        .extracting(Backup::key)
        .containsExactly(galley, ISTIO_CM, CA_SECRET);
    assertThat(store.list(id, "configure-mesh-ca"))
        .extracting(Backup::key)
        .containsExactly(ISTIO_CM, CA_SECRET);
    assertThat(store.list(other, null)).extracting(Backup::key).containsExactly(ISTIO_CM);
    assertThat(store.list(id, null).get(0).key().namespace()).isNull();
  }

  @Test
  void givenABackupChangedAfterItWasTaken_whenLoaded_itShouldFailWithBackupConflict() {
    String id = UUID.randomUUID().toString();
    BackupRef ref = store.save(id, "configure-mesh-ca", ISTIO_CM, restorer.read(ISTIO_CM));
    h.client()
        .configMaps()
        .inNamespace(ClusterBackupStore.NAMESPACE)
        .withName(ref.key())
        .edit(
            cm -> {
              cm.getData().put(ClusterBackupStore.CONTENT_KEY, "{\"kind\":\"ConfigMap\"}");
              return cm;
            });

    assertThatThrownBy(() -> store.load(id, ISTIO_CM))
        .isInstanceOfSatisfying(
            ApplicationFailure.class, f -> assertThat(f.getType()).isEqualTo("BACKUP_CONFLICT"))
        .hasMessageContaining(ref.key());
  }

  @Test
  void givenAContext_whenChoosingTheStore_itShouldUseTheLocalDirectoryOnlyWhenNamed() {
    BackupStores stores = new BackupStores(new KubeClients());
    assertThat(stores.forContext(h.context("m", null))).isInstanceOf(ClusterBackupStore.class);
    assertThat(stores.forContext(h.context("m", h.dir.resolve("backups").toString())))
        .isInstanceOfSatisfying(
            LocalBackupStore.class,
            s -> assertThat(s.directory()).isEqualTo(h.dir.resolve("backups").toAbsolutePath()));
  }

  static List<String> secretValues(ObjectNode secret) {
    List<String> values = new java.util.ArrayList<>();
    secret
        .path("data")
        .fields()
        .forEachRemaining(
            e -> {
              values.add(e.getValue().asText());
              String decoded =
                  new String(
                      Base64.getDecoder().decode(e.getValue().asText()), StandardCharsets.UTF_8);
              // a distinctive slice of the decoded PEM body, not its well-known header
              String body = decoded.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
              if (body.length() > 40) {
                values.add(body.substring(0, 40));
              }
            });
    return values;
  }
}
