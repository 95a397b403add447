package dev.asmmigrate.sandbox.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asmmigrate.sandbox.Faults;
import dev.asmmigrate.sandbox.Kubectl;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.sandbox.api.BuiltinAdmission;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.fixtures.FixtureLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The resource types each add-on base serves, as kubectl and a REST client see them: the 1.4 add-on
 * had no IstioOperator CRD (the 1.6 add-on brought it), so a 1.4 cluster answers for {@code
 * istiooperators} as a real API server answers for a type it does not have.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AddonBaseResourceTypesTest {
  @TempDir static Path dir;
  ApiServer onFour;
  ApiServer onSix;
  Kubectl kubectlFour;
  Kubectl kubectlSix;

  @BeforeAll
  void start() throws Exception {
    onFour = serve(SandboxSettings.Base.ADDON_1_4);
    onSix = serve(SandboxSettings.Base.ADDON_1_6);
    kubectlFour = Kubectl.forServer(dir.resolve("four.kubeconfig"), onFour.port());
    kubectlSix = Kubectl.forServer(dir.resolve("six.kubeconfig"), onSix.port());
  }

  @AfterAll
  void stop() {
    onFour.close();
    onSix.close();
  }

  @Test
  void onTheFourBase_kubectlShouldNotKnowIstioOperators() {
    for (String type : new String[] {"istiooperators", "iop"}) {
      Kubectl.Result r = kubectlFour.run("get", type, "-A");
      assertThat(r.exitCode()).isNotZero();
      assertThat(r.stderr())
          .contains("error: the server doesn't have a resource type \"" + type + "\"");
    }
    assertThat(kubectlFour.run("api-resources", "--api-group=install.istio.io").assertOk().stdout())
        .doesNotContain("istiooperators");
    // the add-on 1.4 itself is there
    assertThat(kubectlFour.run("get", "deploy", "-n", "istio-system").assertOk().stdout())
        .contains("istio-pilot", "istio-citadel");
  }

  @Test
  void onTheFourBase_theRestPathsShouldAnswer404() throws Exception {
    for (String path :
        new String[] {
          "/apis/install.istio.io",
          "/apis/install.istio.io/v1alpha1",
          "/apis/install.istio.io/v1alpha1/istiooperators",
          "/apis/install.istio.io/v1alpha1/namespaces/istio-system/istiooperators",
          "/apis/install.istio.io/v1alpha1/namespaces/istio-system/istiooperators/istio-1-6-11-gke-0"
        }) {
      HttpResponse<String> r = get(onFour.port(), path);
      assertThat(r.statusCode()).as(path).isEqualTo(404);
      assertThat(r.body()).as(path).contains("\"reason\":\"NotFound\"");
    }
    assertThat(get(onFour.port(), "/apis").body()).doesNotContain("install.istio.io");
  }

  @Test
  void onTheSixBase_theIstioOperatorShouldBeListed() throws Exception {
    assertThat(kubectlSix.run("get", "istiooperators", "-A").assertOk().stdout())
        .contains("istio-system", "istio-1-6-11-gke-0");
    assertThat(
            get(
                    onSix.port(),
                    "/apis/install.istio.io/v1alpha1/namespaces/istio-system/istiooperators/istio-1-6-11-gke-0")
                .statusCode())
        .isEqualTo(200);
  }

  private static ApiServer serve(SandboxSettings.Base base) throws Exception {
    ObjectStore store = new ObjectStore(new ResourceRegistry(), Clock.systemUTC());
    store.addAdmissionPlugin(new BuiltinAdmission());
    new FixtureLoader(store).loadBase(SandboxSettings.builder().base(base).build());
    ApiServer server = new ApiServer(store, new Faults(), () -> null, 0);
    server.start();
    return server;
  }

  private static HttpResponse<String> get(int port, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer t")
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }
}
