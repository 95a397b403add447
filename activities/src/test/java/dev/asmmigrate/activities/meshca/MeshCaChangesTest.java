package dev.asmmigrate.activities.meshca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.plan.DesiredChange;
import dev.asmmigrate.activities.plan.PlannedChange;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure computations of configure-mesh-ca on small inputs: no cluster, no client. */
class MeshCaChangesTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String TD = "sandbox-project.svc.id.goog";
  static final String TOKEN = "asm-migrate/m-1";

  static ObjectNode tree(String json) {
    try {
      return (ObjectNode) JSON.readTree(json.replace('\'', '"'));
    } catch (Exception e) {
      throw new IllegalArgumentException(json, e);
    }
  }

  static ObjectNode meshConfig(String mesh) {
    ObjectNode cm =
        tree("{'metadata':{'name':'istio','namespace':'istio-system','resourceVersion':'7'}}");
    cm.putObject("data").put("mesh", mesh);
    return cm;
  }

  static ObjectNode deployment(String containers, String extra) {
    return tree(
        "{'metadata':{'name':'d'},'spec':{'template':{'metadata':{"
            + extra
            + "},'spec':{'containers':["
            + containers
            + "]}}}}");
  }

  static List<String> described(List<DesiredChange> changes) {
    return DesiredChange.planned(changes).stream().map(PlannedChange::describe).toList();
  }

  static MeshCa14Changes.Observed fresh14() {
    return new MeshCa14Changes.Observed(
        null,
        meshConfig("trustDomain: cluster.local\n"),
        deployment("{'name':'discovery','image':'gke.gcr.io/istio/pilot:1.4.10-gke.0'}", ""),
        deployment("{'name':'citadel','args':['--append-dns-names=true']}", ""));
  }

  @Test
  void givenAnUnconfigured14_itShouldCreateTheSecretEditTheMeshAndPatchPilotAndCitadel() {
    List<DesiredChange> changes = MeshCa14Changes.desired(fresh14(), TD);

    assertThat(described(changes))
        .containsExactly(
            "create Secret istio-system/meshca-root",
            "update ConfigMap istio-system/istio",
            "patch Deployment istio-system/istio-pilot",
            "patch Deployment istio-system/istio-citadel");
    // the Secret: sent with the root, shown with its hash only
    String root = MeshCaObjects.base64(MeshCaRoot.PEM);
    assertThat(changes.get(0).sent().path("data").path("meshca-root.pem").asText()).isEqualTo(root);
    assertThat(changes.get(0).planned().body().path("data").path("meshca-root.pem").asText())
        .isEqualTo(MeshCaObjects.rootHash());
    assertThat(DesiredChange.planned(changes).toString()).doesNotContain(root.substring(0, 40));
    // the mesh config: shown as its new text, sent whole on the resourceVersion read
    JsonNode shown = changes.get(1).planned().body();
    assertThat(shown.size()).isEqualTo(1);
    assertThat(shown.path("data").size()).isEqualTo(1);
    assertThat(shown.path("data").path("mesh").asText())
        .startsWith("trustDomain: cluster.local\n")
        .contains("- " + TD);
    assertThat(changes.get(1).sent().path("data").path("mesh"))
        .isEqualTo(shown.path("data").path("mesh"));
    assertThat(changes.get(1).sent().path("metadata").path("resourceVersion").asText())
        .isEqualTo("7");
    assertThat(changes.get(2).planned().patchType()).isEqualTo("strategic");
    assertThat(changes.get(3).planned().body().toString())
        .contains("--root-cert=/var/run/root-certs/meshca-root.pem")
        .contains("\"op\":\"test\"");
    assertThat(changes).extracting(DesiredChange::done).doesNotContainNull();
  }

  @Test
  void givenAConfigured14_itShouldChangeNothing() {
    ObjectNode secret = MeshCa14Changes.meshCaSecret();
    String mesh = "trustDomain: cluster.local\ntrustDomainAliases:\n- " + TD + "\n";
    ObjectNode pilot =
        deployment(
            "{'name':'discovery','image':'gke.gcr.io/istio/pilot:1.4.10-gke.21',"
                + "'env':[{'name':'PILOT_SKIP_VALIDATE_TRUST_DOMAIN','value':'true'}]}",
            "");
    ObjectNode citadel =
        tree(
            "{'spec':{'template':{'spec':{'containers':[{'name':'citadel',"
                + "'args':['--root-cert=/var/run/root-certs/meshca-root.pem'],"
                + "'volumeMounts':[{'name':'meshca-root','mountPath':'/var/run/root-certs',"
                + "'readOnly':true}]}],"
                + "'volumes':[{'name':'meshca-root','secret':{'secretName':'meshca-root'}}]}}}}");

    assertThat(
            MeshCa14Changes.desired(
                new MeshCa14Changes.Observed(secret, meshConfig(mesh), pilot, citadel), TD))
        .isEmpty();
  }

  @Test
  void givenASecretWithoutTheRoot_itShouldUpdateItShowingNoBody() {
    ObjectNode other = MeshCa14Changes.meshCaSecret();
    ((ObjectNode) other.get("data")).put("meshca-root.pem", MeshCaObjects.base64("not a cert"));
    MeshCa14Changes.Observed o = fresh14();

    List<DesiredChange> changes =
        MeshCa14Changes.desired(
            new MeshCa14Changes.Observed(other, o.meshConfig(), o.pilot(), o.citadel()), TD);

    assertThat(changes.get(0).planned().describe())
        .isEqualTo("update Secret istio-system/meshca-root");
    assertThat(changes.get(0).planned().body()).isNull();
    assertThat(changes.get(0).sent().path("data").path("meshca-root.pem").asText())
        .isEqualTo(MeshCaObjects.base64(MeshCaRoot.PEM));
  }

  @Test
  void givenAPilotWithoutItsContainer_itShouldFailNotFound() {
    MeshCa14Changes.Observed o = fresh14();
    Throwable thrown =
        catchThrowable(
            () ->
                MeshCa14Changes.desired(
                    new MeshCa14Changes.Observed(
                        null, o.meshConfig(), deployment("{'name':'other'}", ""), o.citadel()),
                    TD));

    assertThat(((ApplicationFailure) thrown).getType()).isEqualTo("NOT_FOUND");
  }

  static MeshCa16Changes.Observed fresh16(ObjectNode trigger) {
    ObjectNode ca = tree("{'metadata':{'name':'istio-ca-secret','resourceVersion':'3'}}");
    ca.putObject("data")
        .put(
            "ca-cert.pem",
            MeshCaObjects.base64("-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n"))
        .put("ca-key.pem", "a2V5");
    return new MeshCa16Changes.Observed(
        meshConfig("trustDomain: cluster.local\n"),
        tree("{'spec':{'components':{'pilot':{'hub':'gke.gcr.io/istio','tag':'1.6.11-gke.0'}}}}"),
        ca,
        deployment("{'name':'discovery','image':'gke.gcr.io/istio/pilot:1.6.11-gke.0'}", ""),
        trigger);
  }

  @Test
  void givenAnUnconfigured16_itShouldListTheFourEditsThenTheTrigger() {
    List<DesiredChange> changes =
        MeshCa16Changes.desired(fresh16(null), TD, TOKEN, Duration.ofSeconds(15));

    assertThat(described(changes))
        .containsExactly(
            "update ConfigMap istio-system/istio-istio-1611",
            "patch IstioOperator istio-system/istio-1-6-11-gke-0",
            "update Secret istio-system/istio-ca-secret",
            "patch Deployment istio-system/istiod-istio-1611",
            "create EnvoyFilter istio-system/trigger-root-cert",
            "delete EnvoyFilter istio-system/trigger-root-cert");
    DesiredChange ca = changes.get(2);
    assertThat(ca.planned().body()).isNull();
    assertThat(ca.planned().note()).contains(MeshCaObjects.rootHash());
    String bundle = MeshCaObjects.decode(ca.sent().path("data").path("ca-cert.pem").asText());
    assertThat(MeshCaRoot.occurrences(bundle)).isEqualTo(1);
    assertThat(bundle).startsWith("-----BEGIN CERTIFICATE-----\nAA==");
    assertThat(ca.sent().path("data").path("ca-key.pem").asText()).isEqualTo("a2V5");
    assertThat(DesiredChange.planned(changes).toString()).doesNotContain("a2V5");
    JsonNode istiod = changes.get(3).planned().body();
    assertThat(
            istiod
                .path("spec")
                .path("template")
                .path("metadata")
                .path("annotations")
                .path("kubectl.kubernetes.io/restartedAt")
                .asText())
        .isEqualTo(TOKEN);
  }

  @Test
  void givenAConfigured16_itShouldListOnlyTheTriggerAndNothingWhileTheTriggerExists() {
    MeshCa16Changes.Observed o = fresh16(null);
    ObjectNode ca = o.caSecret().deepCopy();
    ((ObjectNode) ca.get("data"))
        .put(
            "ca-cert.pem",
            MeshCaObjects.base64(
                MeshCaRoot.appendOnce(
                    MeshCaObjects.decode(o.caSecret().path("data").path("ca-cert.pem").asText()))));
    MeshCa16Changes.Observed done =
        new MeshCa16Changes.Observed(
            meshConfig("trustDomain: cluster.local\ntrustDomainAliases:\n- " + TD + "\n"),
            tree(
                "{'spec':{'components':{'pilot':{'hub':'gke.gcr.io/istio','tag':'1.6.14-gke.7'}}}}"),
            ca,
            deployment(
                "{'name':'discovery','image':'gke.gcr.io/istio/pilot:1.6.14-gke.7'}",
                "'annotations':{'kubectl.kubernetes.io/restartedAt':'" + TOKEN + "'}"),
            null);

    assertThat(MeshCa16Changes.configure(done, TD, TOKEN)).isEmpty();
    assertThat(described(MeshCa16Changes.desired(done, TD, TOKEN, Duration.ZERO)))
        .containsExactly(
            "create EnvoyFilter istio-system/trigger-root-cert",
            "delete EnvoyFilter istio-system/trigger-root-cert");
    assertThat(
            MeshCa16Changes.trigger(
                tree("{'metadata':{'name':'trigger-root-cert'}}"), Duration.ZERO))
        .isEmpty();
  }
}
