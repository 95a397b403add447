package dev.asmmigrate.activities.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.api.ResourceType;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RestorerTest {
  static SandboxHarness h;
  static Restorer restorer;
  static ClusterBackupStore store;

  @BeforeAll
  static void start() {
    h =
        SandboxHarness.start(
            SandboxSettings.builder()
                .base(SandboxSettings.Base.ADDON_1_4)
                .podReadyDelay(Duration.ofMillis(100)));
    restorer = new Restorer(h.client());
    store = new ClusterBackupStore(h.client());
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  @AfterEach
  void clearFaults() {
    h.sandbox.faults().apiErrorRate.clear();
    h.sandbox.faults().apiErrorCodes.clear();
    h.sandbox.faults().apiErrorCodes.addAll(List.of(500, 409, 429));
  }

  Backup backUp(ObjectKey key) {
    String id = UUID.randomUUID().toString();
    store.save(id, "test", key, restorer.read(key));
    return store.load(id, key).orElseThrow();
  }

  ObjectNode stored(ResourceType type, ObjectKey key) {
    return h.sandbox.store().get(type, key.namespace(), key.name()).orElse(null);
  }

  @Test
  void
      givenASecretChangedAfterItsBackup_whenRestoredTwice_itShouldPutBackTheExactBytesThenChangeNothing() {
    ObjectKey key = new ObjectKey("v1", "Secret", "istio-system", "istio-ca-secret");
    ObjectNode original = stored(ResourceRegistry.SECRETS, key);
    Backup backup = backUp(key);
    String appended =
        Base64.getEncoder()
            .encodeToString(
                (new String(
                            Base64.getDecoder()
                                .decode(original.path("data").path("ca-cert.pem").asText()))
                        + "\n-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
                    .getBytes());
    h.client()
        .secrets()
        .inNamespace("istio-system")
        .withName("istio-ca-secret")
        .edit(
            s -> {
              s.getData().put("ca-cert.pem", appended);
              return s;
            });

    assertThat(restorer.restore(backup)).isEqualTo(Restorer.Action.REPLACED);
    ObjectNode once = stored(ResourceRegistry.SECRETS, key);
    assertThat(once.path("data")).isEqualTo(original.path("data"));
    assertThat(once.path("type")).isEqualTo(original.path("type"));
    String rv = once.path("metadata").path("resourceVersion").asText();

    assertThat(restorer.restore(backup)).isEqualTo(Restorer.Action.UNCHANGED);
    assertThat(
            stored(ResourceRegistry.SECRETS, key).path("metadata").path("resourceVersion").asText())
        .isEqualTo(rv);
  }

  @Test
  void givenAClusterScopedObjectDeletedAfterItsBackup_whenRestored_itShouldBeCreatedAgain() {
    ObjectKey key =
        new ObjectKey(
            "admissionregistration.k8s.io/v1",
            "ValidatingWebhookConfiguration",
            null,
            "istio-galley");
    ObjectNode original = stored(ResourceRegistry.VALIDATING_WEBHOOKS, key);
    assertThat(original).isNotNull();
    Backup backup = backUp(key);
    h.client()
        .admissionRegistration()
        .v1()
        .validatingWebhookConfigurations()
        .withName("istio-galley")
        .delete();
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                stored(ResourceRegistry.VALIDATING_WEBHOOKS, key) == null
                    || !stored(ResourceRegistry.VALIDATING_WEBHOOKS, key)
                        .path("metadata")
                        .path("uid")
                        .equals(original.path("metadata").path("uid")));

    Restorer.Action first = restorer.restore(backup);
    assertThat(first)
        .isIn(Restorer.Action.CREATED, Restorer.Action.REPLACED, Restorer.Action.UNCHANGED);
    ObjectNode restored = stored(ResourceRegistry.VALIDATING_WEBHOOKS, key);
    assertThat(restored.path("webhooks")).isEqualTo(original.path("webhooks"));
    assertThat(restorer.restore(backup)).isEqualTo(Restorer.Action.UNCHANGED);
  }

  @Test
  void givenAnObjectAbsentBeforeTheMigration_whenRestored_itShouldBeDeletedAndThenStayAbsent() {
    ObjectKey key = new ObjectKey("v1", "Secret", "istio-system", "meshca-root");
    Backup backup = backUp(key);
    assertThat(backup.absent()).isTrue();
    h.client()
        .secrets()
        .inNamespace("istio-system")
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("meshca-root")
                .withNamespace("istio-system")
                .endMetadata()
                .addToData("meshca-root.pem", "cm9vdA==")
                .build())
        .create();

    assertThat(restorer.restore(backup)).isEqualTo(Restorer.Action.DELETED);
    assertThat(stored(ResourceRegistry.SECRETS, key)).isNull();
    assertThat(restorer.restore(backup)).isEqualTo(Restorer.Action.ALREADY_ABSENT);
  }

  @Test
  void givenACustomResourceChangedOrDeletedAfterItsBackup_whenRestored_itShouldBePutBack() {
    // an EnvoyFilter: the 1.4 base serves no IstioOperator (the 1.6 add-on brought its CRD); galley
    // validates it, so the add-on runs first
    h.settle();
    ObjectKey key =
        new ObjectKey(
            "networking.istio.io/v1alpha3", "EnvoyFilter", "istio-system", "restorer-test");
    ObjectNode op = BackupContent.MAPPER.createObjectNode();
    op.put("apiVersion", key.apiVersion());
    op.put("kind", key.kind());
    op.with("metadata").put("name", key.name()).put("namespace", key.namespace());
    op.with("spec").put("hub", "gke.gcr.io/istio").put("tag", "1.6.11-gke.0");
    h.client()
        .genericKubernetesResources(key.apiVersion(), key.kind())
        .inNamespace(key.namespace())
        .resource(Restorer.fromTree(op))
        .create();
    ObjectNode before = restorer.read(key);
    Backup backup = backUp(key);

    ObjectNode changed = before.deepCopy();
    changed.with("spec").put("tag", "1.6.11-asm.1");
    h.client()
        .genericKubernetesResources(key.apiVersion(), key.kind())
        .inNamespace(key.namespace())
        .resource(Restorer.fromTree(changed))
        .update();
    assertThat(restorer.read(key).path("spec").path("tag").asText()).isEqualTo("1.6.11-asm.1");

    assertThat(restorer.restore(backup)).isEqualTo(Restorer.Action.REPLACED);
    assertThat(restorer.read(key).path("spec")).isEqualTo(before.path("spec"));
    assertThat(restorer.restore(backup)).isEqualTo(Restorer.Action.UNCHANGED);

    h.client()
        .genericKubernetesResources(key.apiVersion(), key.kind())
        .inNamespace(key.namespace())
        .withName(key.name())
        .delete();
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> restorer.read(key) == null);
    assertThat(restorer.restore(backup)).isEqualTo(Restorer.Action.CREATED);
    assertThat(restorer.read(key).path("spec")).isEqualTo(before.path("spec"));
    assertThat(restorer.restore(backup)).isEqualTo(Restorer.Action.UNCHANGED);
  }

  @Test
  void givenAnObjectOfATypeNoLongerServed_whenReadOrRestoredAbsent_itShouldBeAbsent() {
    ObjectKey key = new ObjectKey("example.com/v1", "Nothing", "istio-system", "x");
    assertThat(restorer.read(key)).isNull();
    assertThat(restorer.restore(new Backup(null, key, null)))
        .isEqualTo(Restorer.Action.ALREADY_ABSENT);
  }

  @Test
  void givenConflictsOnEveryUpdate_whenRestored_itShouldRetryThenFailTransiently() {
    ObjectKey key = new ObjectKey("v1", "ConfigMap", "istio-system", "istio");
    Backup backup = backUp(key);
    h.client()
        .configMaps()
        .inNamespace("istio-system")
        .withName("istio")
        .edit(
            cm -> {
              cm.getData().put("extra", "1");
              return cm;
            });
    h.sandbox.faults().apiErrorCodes.clear();
    h.sandbox.faults().apiErrorCodes.add(409);
    h.sandbox.faults().apiErrorRate.put("update", 1.0);

    assertThatThrownBy(() -> restorer.restore(backup))
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));

    h.sandbox.faults().apiErrorRate.clear();
    assertThat(restorer.restore(backup)).isEqualTo(Restorer.Action.REPLACED);
    assertThat(stored(ResourceRegistry.CONFIGMAPS, key).path("data").has("extra")).isFalse();
  }

  @Test
  void givenASecretWithEveryByteValue_whenConvertedToATreeAndBack_itShouldBeByteExact() {
    byte[] all = new byte[256];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) i;
    }
    String encoded = Base64.getEncoder().encodeToString(all);
    Secret secret =
        new SecretBuilder()
            .withNewMetadata()
            .withName("bytes")
            .withNamespace("default")
            .endMetadata()
            .addToData("blob", encoded)
            .addToStringData("text", "ünïcødé ✓")
            .build();

    ObjectNode tree = Restorer.toTree(secret);
    Secret back = Restorer.fromTree(tree, Secret.class);

    assertThat(tree.path("data").path("blob").asText()).isEqualTo(encoded);
    assertThat(Base64.getDecoder().decode(back.getData().get("blob"))).isEqualTo(all);
    assertThat(back.getStringData()).containsEntry("text", "ünïcødé ✓");
    assertThat(Serialization.asJson(back)).isEqualTo(Serialization.asJson(secret));
  }
}
