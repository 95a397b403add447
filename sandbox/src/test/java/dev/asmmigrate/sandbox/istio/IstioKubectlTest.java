package dev.asmmigrate.sandbox.istio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.asmmigrate.sandbox.Kubectl;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The seed's and migrate-addon's kubectl commands against the simulated control planes. */
class IstioKubectlTest {
  @TempDir Path dir;
  IstioTestCluster cluster;
  Kubectl kubectl;

  @BeforeEach
  void start() throws Exception {
    cluster = IstioTestCluster.addon14();
    cluster.addOnRunning();
    var ctx = cluster.serve();
    cluster.start(new ManagedControlPlane(ctx));
    cluster.start(new Citadel(ctx));
    kubectl = Kubectl.forServer(dir.resolve("kubeconfig"), ctx.client().getMasterUrl().getPort());
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void givenTheSeedsControlPlaneRevision_kubectlWaitShouldReturn_andTheTrustDomainBeReadable() {
    kubectl
        .runWithInput(
            """
            apiVersion: mesh.cloud.google.com/v1beta1
            kind: ControlPlaneRevision
            metadata:
              name: asm-managed
              namespace: istio-system
            spec:
              type: managed_service
              channel: regular
            """,
            "apply",
            "-f",
            "-")
        .assertOk();

    kubectl
        .run(
            "wait",
            "--for=condition=ProvisioningFinished",
            "controlplanerevision/asm-managed",
            "-n",
            "istio-system",
            "--timeout=90s")
        .assertOk();

    // migrate-addon reads the trust domain exactly so
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                kubectl
                    .run(
                        "get",
                        "cm",
                        "-n",
                        "istio-system",
                        "env-asm-managed",
                        "-ojsonpath={.data.TRUST_DOMAIN}",
                        "--ignore-not-found")
                    .stdout()
                    .equals("sandbox-project.svc.id.goog"));
    assertThat(
            kubectl
                .run("get", "mutatingwebhookconfiguration", "istiod-asm-managed")
                .assertOk()
                .stdout())
        .contains("istiod-asm-managed");
  }

  @Test
  void givenMigrateAddonsConfigureMeshCa14_citadelShouldDistributeTheRootItGrepsFor() {
    kubectl
        .runWithInput(
            """
            apiVersion: v1
            kind: Secret
            metadata:
              name: meshca-root
            data:
              meshca-root.pem: %s
            """
                .formatted(
                    Base64.getEncoder()
                        .encodeToString(MeshCa.ROOT_PEM.getBytes(StandardCharsets.UTF_8))),
            "-n",
            "istio-system",
            "apply",
            "-f",
            "-")
        .assertOk();
    kubectl
        .run(
            "patch",
            "deploy",
            "istio-citadel",
            "-n",
            "istio-system",
            "-p={\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"citadel\",\"args\":"
                + " [\"--append-dns-names=true\", \"--grpc-port=8060\","
                + " \"--citadel-storage-namespace=istio-system\","
                + " \"--custom-dns-names=istio-pilot-service-account.istio-system:istio-pilot.istio-system\","
                + " \"--monitoring-port=15014\", \"--self-signed-ca=true\","
                + " \"--workload-cert-ttl=2160h\","
                + " \"--root-cert=/var/run/root-certs/meshca-root.pem\"],\"volumeMounts\":"
                + " [{\"mountPath\": \"/var/run/root-certs\", \"name\": \"meshca-root\","
                + " \"readOnly\": true}]}],\"volumes\": [{\"name\": \"meshca-root\","
                + " \"secret\":{\"secretName\": \"meshca-root\"}}]}}}}")
        .assertOk();

    for (String ns : new String[] {"default", "istio-system", "kube-system"}) {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                String b64 =
                    kubectl
                        .run(
                            "get",
                            "secret",
                            "-n",
                            ns,
                            "istio.default",
                            "-ojsonpath={.data.root-cert\\.pem}")
                        .stdout();
                return new String(Base64.getMimeDecoder().decode(b64), StandardCharsets.UTF_8)
                    .contains("8zyiCcMm1i2yVVphwE1kczFwunAh0JB896VaXGVxXeKEAMQoXHjgDdCYp8");
              });
    }
  }
}
