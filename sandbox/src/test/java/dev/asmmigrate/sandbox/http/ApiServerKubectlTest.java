package dev.asmmigrate.sandbox.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.Faults;
import dev.asmmigrate.sandbox.Kubectl;
import dev.asmmigrate.sandbox.api.BuiltinAdmission;
import dev.asmmigrate.sandbox.api.Json;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kubectl itself against the API server alone (no controllers): what users type must work. */
class ApiServerKubectlTest {
  @TempDir Path dir;
  ObjectStore store;
  ApiServer server;
  Kubectl kubectl;

  @BeforeEach
  void start() throws Exception {
    store = new ObjectStore(new ResourceRegistry(), Clock.systemUTC());
    store.addAdmissionPlugin(new BuiltinAdmission());
    for (String ns : new String[] {"default", "kube-system", "demo"}) {
      ObjectNode n = Json.object();
      n.put("apiVersion", "v1");
      n.put("kind", "Namespace");
      n.putObject("metadata").put("name", ns);
      store.create(ResourceRegistry.NAMESPACES, null, n, false);
    }
    server = new ApiServer(store, new Faults(), () -> null, 0);
    server.start();
    kubectl = Kubectl.forServer(dir.resolve("kubeconfig"), server.port());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void givenNamespaces_whenKubectlGetsThem_itShouldPrintATable() {
    Kubectl.Result r = kubectl.run("get", "ns").assertOk();
    assertThat(r.stdout()).contains("NAME", "STATUS", "AGE", "default", "Active", "demo");
  }

  @Test
  void
      givenADeploymentManifest_whenApplied_itShouldBeStoredWithDefaults_andReapplyChangesOnlyWhatChanged() {
    String manifest =
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: demo
        spec:
          replicas: 2
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: web}
            spec:
              containers:
              - name: web
                image: nginx:1.21
                env:
                - {name: A, value: "1"}
        """;
    assertThat(kubectl.runWithInput(manifest, "apply", "-f", "-").assertOk().stdout())
        .contains("deployment.apps/web created");
    JsonNode d = store.require(ResourceRegistry.DEPLOYMENTS, "demo", "web");
    assertThat(d.path("spec").path("strategy").path("rollingUpdate").path("maxSurge").asText())
        .isEqualTo("25%");
    assertThat(
            d.path("metadata")
                .path("annotations")
                .has("kubectl.kubernetes.io/last-applied-configuration"))
        .isTrue();

    String changed =
        manifest.replace("value: \"1\"", "value: \"2\"").replace("replicas: 2", "replicas: 3");
    assertThat(kubectl.runWithInput(changed, "apply", "-f", "-").assertOk().stdout())
        .contains("deployment.apps/web configured");
    d = store.require(ResourceRegistry.DEPLOYMENTS, "demo", "web");
    assertThat(d.path("spec").path("replicas").asInt()).isEqualTo(3);
    assertThat(d.at("/spec/template/spec/containers/0/env/0/value").asText()).isEqualTo("2");
    assertThat(d.path("metadata").path("generation").asInt()).isEqualTo(2);
    assertThat(kubectl.runWithInput(changed, "apply", "-f", "-").assertOk().stdout())
        .contains("deployment.apps/web unchanged");
  }

  /**
   * What kubectl shows after the server's round trip: quantities canonical (and a re-apply of the
   * same manifest changes nothing), a webhook list patched to empty gone.
   */
  @Test
  void
      givenNonCanonicalQuantitiesAndAnEmptiedWebhookList_whenKubectlReadsThem_itShowsTheStoredForm() {
    String manifest =
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: sized, namespace: demo}
        spec:
          selector: {matchLabels: {app: sized}}
          template:
            metadata: {labels: {app: sized}}
            spec:
              containers:
              - name: sized
                image: nginx:1.21
                resources:
                  requests: {cpu: 1000m, memory: 2048Mi}
                  limits: {cpu: "0.5"}
        ---
        apiVersion: admissionregistration.k8s.io/v1
        kind: MutatingWebhookConfiguration
        metadata: {name: injector}
        webhooks:
        - name: sidecar-injector.istio.io
          clientConfig: {service: {name: istio-sidecar-injector, namespace: demo}}
          sideEffects: None
          admissionReviewVersions: [v1]
        """;
    kubectl.runWithInput(manifest, "apply", "-f", "-").assertOk();
    assertThat(
            kubectl
                .run(
                    "-n",
                    "demo",
                    "get",
                    "deploy",
                    "sized",
                    "-o",
                    "jsonpath={.spec.template.spec.containers[0].resources}")
                .assertOk()
                .stdout())
        .contains("\"cpu\":\"1\"", "\"memory\":\"2Gi\"", "\"cpu\":\"500m\"");
    // kubectl sends 1000m again (it differs from the stored 1): the server's result is the same
    // object, so nothing is written and the generation stays
    kubectl.runWithInput(manifest, "apply", "-f", "-").assertOk();
    assertThat(
            store
                .require(ResourceRegistry.DEPLOYMENTS, "demo", "sized")
                .path("metadata")
                .path("generation")
                .asInt())
        .isEqualTo(1);
    kubectl
        .run(
            "patch",
            "mutatingwebhookconfiguration",
            "injector",
            "--type=json",
            "-p",
            "[{\"op\":\"replace\",\"path\":\"/webhooks\",\"value\":[]}]")
        .assertOk();
    JsonNode read =
        Json.parse(
            kubectl
                .run("get", "mutatingwebhookconfiguration", "injector", "-o", "json")
                .assertOk()
                .stdout());
    assertThat(read.has("webhooks")).isFalse();
  }

  @Test
  void givenAConfigMap_whenLabelledAnnotatedAndPatchedThreeWays_itShouldChangeExactly() {
    kubectl
        .run("-n", "demo", "create", "configmap", "cm", "--from-literal=a=1", "--from-literal=b=2")
        .assertOk();
    kubectl
        .run("-n", "demo", "label", "configmap", "cm", "x=y", "istio-injection=enabled")
        .assertOk();
    kubectl
        .run("-n", "demo", "label", "configmap", "cm", "istio-injection-", "x=z", "--overwrite")
        .assertOk();
    kubectl.run("-n", "demo", "annotate", "configmap", "cm", "note=hi").assertOk();
    kubectl
        .run(
            "-n",
            "demo",
            "patch",
            "configmap",
            "cm",
            "--type=merge",
            "-p",
            "{\"data\":{\"a\":null,\"c\":\"3\"}}")
        .assertOk();
    kubectl
        .run(
            "-n",
            "demo",
            "patch",
            "configmap",
            "cm",
            "--type=json",
            "-p",
            "[{\"op\":\"replace\",\"path\":\"/data/b\",\"value\":\"20\"}]")
        .assertOk();
    kubectl
        .run("-n", "demo", "patch", "configmap", "cm", "-p", "{\"data\":{\"d\":\"4\"}}")
        .assertOk();
    JsonNode cm = store.require(ResourceRegistry.CONFIGMAPS, "demo", "cm");
    assertThat(cm.path("metadata").path("labels").path("x").asText()).isEqualTo("z");
    assertThat(cm.path("metadata").path("labels").has("istio-injection")).isFalse();
    assertThat(cm.path("metadata").path("annotations").path("note").asText()).isEqualTo("hi");
    assertThat(cm.path("data").has("a")).isFalse();
    assertThat(cm.path("data").path("b").asText()).isEqualTo("20");
    assertThat(cm.path("data").path("c").asText()).isEqualTo("3");
    assertThat(cm.path("data").path("d").asText()).isEqualTo("4");
    String jsonpath =
        kubectl
            .run("-n", "demo", "get", "cm", "cm", "-o", "jsonpath={.data.b}")
            .assertOk()
            .stdout();
    assertThat(jsonpath).isEqualTo("20");
  }

  @Test
  void givenAFailingJsonPatchTest_whenPatched_itShouldAnswer422AndChangeNothing() {
    kubectl.run("-n", "demo", "create", "configmap", "cm", "--from-literal=a=1").assertOk();
    Kubectl.Result r =
        kubectl.run(
            "-n",
            "demo",
            "patch",
            "configmap",
            "cm",
            "--type=json",
            "-p",
            "[{\"op\":\"test\",\"path\":\"/data/a\",\"value\":\"2\"},{\"op\":\"replace\",\"path\":\"/data/a\",\"value\":\"3\"}]");
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.stderr()).contains("testing value /data/a failed");
    assertThat(
            store
                .require(ResourceRegistry.CONFIGMAPS, "demo", "cm")
                .path("data")
                .path("a")
                .asText())
        .isEqualTo("1");
  }

  @Test
  void givenServerSideDryRun_whenCreating_itShouldValidateAndPersistNothing() {
    Kubectl.Result ok =
        kubectl.run(
            "-n", "demo", "create", "configmap", "dry", "--from-literal=a=1", "--dry-run=server");
    ok.assertOk();
    assertThat(store.get(ResourceRegistry.CONFIGMAPS, "demo", "dry")).isEmpty();
    String bad =
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: bad, namespace: demo}
        spec:
          selector: {matchLabels: {app: a}}
          template:
            metadata: {labels: {app: b}}
            spec: {containers: [{name: c, image: x:1}]}
        """;
    Kubectl.Result invalid = kubectl.runWithInput(bad, "apply", "--dry-run=server", "-f", "-");
    assertThat(invalid.exitCode()).isNotZero();
    assertThat(invalid.stderr()).contains("`selector` does not match template `labels`");
  }

  @Test
  void givenANamespaceWithContents_whenDeleted_itsContentsShouldGoToo() {
    kubectl.run("-n", "demo", "create", "configmap", "cm", "--from-literal=a=1").assertOk();
    kubectl.run("delete", "namespace", "demo").assertOk();
    assertThat(store.get(ResourceRegistry.NAMESPACES, null, "demo")).isEmpty();
    assertThat(store.list(ResourceRegistry.CONFIGMAPS, "demo")).isEmpty();
  }

  @Test
  void givenAnUnknownResource_whenGot_kubectlShouldSaySo() {
    Kubectl.Result r = kubectl.run("get", "virtualservices");
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.stderr()).contains("the server doesn't have a resource type \"virtualservices\"");
  }
}
