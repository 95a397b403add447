package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.http.RequestLog;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code plan} on an add-on 1.6 cluster (checked in {@link MigrationEndToEndTest} before that
 * cluster is migrated), with {@code --namespaces} and {@code --channel}: the 1.6 trust step
 * (IstioOperator, istio-ca-secret, the root-cert trigger); the chosen namespaces first and every
 * other injected one after the webhook switch; the channel's revision; and nothing changed in the
 * cluster.
 */
final class Addon16Plan {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> READS = Set.of("get", "list", "watch");

  private Addon16Plan() {}

  /**
   * Plans the migration of {@code demo-1} first on the rapid channel, for a 1.6 cluster of Online
   * Boutique and {@code demo-1} ({@code DemoRun.prepare("1.6", 1, ...)}).
   */
  static void assertPlansThe16StepsAndTheNamespacesFirst(Sandbox sandbox, Path kubeconfig)
      throws Exception {
    long before = PlanCommandTest.lastSeq(sandbox);
    List<String> args = new ArrayList<>(List.of("plan", "-o", "json"));
    args.addAll(PlanCommandTest.clusterArgs(sandbox, kubeconfig));
    args.addAll(List.of("--namespaces", "demo-1", "--channel", "rapid"));

    PlanCommandTest.Run r = PlanCommandTest.run(args);

    assertThat(r.code()).as(r.err() + r.out()).isEqualTo(ExitCodes.OK);
    JsonNode plan = JSON.readTree(r.out());
    assertThat(plan.path("revision").asText()).isEqualTo("asm-managed-rapid");
    // the 1.6 add-on runs istiod-istio-1611 next to the 1.4 control plane it was upgraded from
    assertThat(texts(plan.path("addonVersions"))).containsExactlyInAnyOrder("1.4", "1.6");
    // the namespaces migrated first; the others follow in migrate-remaining-workloads
    assertThat(plan.path("namespaces").findValuesAsText("name")).containsExactly("demo-1");
    assertThat(plan.path("namespaces").findValuesAsText("addonVersion"))
        .allMatch(v -> v.startsWith("1.6"));

    Set<String> meshCa = targets(step(plan, "configure-mesh-ca"));
    assertThat(meshCa)
        .contains(
            "patch IstioOperator istio-system/istio-1-6-11-gke-0",
            "patch Deployment istio-system/istiod-istio-1611",
            "update ConfigMap istio-system/istio-istio-1611",
            "update Secret istio-system/istio-ca-secret",
            "create EnvoyFilter istio-system/trigger-root-cert",
            "delete EnvoyFilter istio-system/trigger-root-cert");

    JsonNode first = step(plan, "migrate-workloads");
    assertThat(first.path("changes")).isNotEmpty();
    assertThat(namespacesOf(first)).containsExactly("demo-1");
    assertThat(targets(first)).anyMatch(t -> t.startsWith("patch Deployment demo-1/"));
    JsonNode rest = step(plan, "migrate-remaining-workloads");
    assertThat(namespacesOf(rest)).containsExactly("online-boutique");
    assertThat(targets(rest))
        .contains("patch Deployment online-boutique/frontend", "patch Namespace online-boutique");

    List<RequestLog.Entry> requests = PlanCommandTest.ours(sandbox, before);
    assertThat(requests).isNotEmpty();
    assertThat(requests)
        .allMatch(
            e -> READS.contains(e.verb()) || e.resource().equals("selfsubjectaccessreviews"),
            "reads only");
  }

  private static JsonNode step(JsonNode plan, String id) {
    for (JsonNode s : plan.path("steps")) {
      if (s.path("step").asText().equals(id)) {
        return s;
      }
    }
    throw new AssertionError("no step " + id + " in the plan");
  }

  /** "verb Kind namespace/name" of each change of a step. */
  private static Set<String> targets(JsonNode step) {
    Set<String> out = new TreeSet<>();
    for (JsonNode c : step.path("changes")) {
      String ns = c.path("namespace").asText();
      out.add(
          c.path("verb").asText()
              + " "
              + c.path("kind").asText()
              + " "
              + (ns.isEmpty() ? "" : ns + "/")
              + c.path("name").asText());
    }
    return out;
  }

  /** The namespaces a step's changes are in (a Namespace object counts as its own). */
  private static Set<String> namespacesOf(JsonNode step) {
    Set<String> out = new TreeSet<>();
    for (JsonNode c : step.path("changes")) {
      out.add(
          c.path("kind").asText().equals("Namespace")
              ? c.path("name").asText()
              : c.path("namespace").asText());
    }
    return out;
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
