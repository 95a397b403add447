package dev.asmmigrate.activities.preflight;

import static dev.asmmigrate.activities.preflight.PreflightReads.ISTIO_SYSTEM;
import static dev.asmmigrate.activities.preflight.PreflightReads.call;
import static dev.asmmigrate.activities.preflight.PreflightReads.image;
import static dev.asmmigrate.activities.preflight.PreflightReads.label;
import static dev.asmmigrate.activities.preflight.PreflightReads.named;
import static dev.asmmigrate.activities.preflight.PreflightReads.tag;
import static dev.asmmigrate.activities.preflight.PreflightReads.withLabel;

import com.google.container.v1beta1.Cluster;
import com.google.container.v1beta1.GetClusterRequest;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.backup.Restorer;
import dev.asmmigrate.activities.google.GoogleClients;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.IstioNames;
import dev.asmmigrate.workflows.model.MigrationContext;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The versions pre-flight accepts: the GKE master version, from the GKE ClusterManager, and the
 * add-on version(s) running in istio-system, from their pods and Deployments.
 */
final class VersionDetection {
  static final String ISTIOD_16 = "istiod-istio-1611";
  static final String MESH_CONFIG_16 = "istio-istio-1611";
  static final String OPERATOR_16 = "istio-1-6-11-gke-0";

  private VersionDetection() {}

  // --- GKE version -------------------------------------------------------------------------------

  @SuppressWarnings("deprecation") // istio_config is deprecated by GKE, and what the add-on is
  static String checkClusterVersion(GoogleClients google, MigrationContext ctx, Notes notes) {
    String name = ctx.cluster().resourceName();
    Cluster cluster =
        GoogleClients.call(
            "get GKE cluster " + name,
            () ->
                google
                    .clusterManager(ctx.connection())
                    .getCluster(GetClusterRequest.newBuilder().setName(name).build()));
    String version = cluster.getCurrentMasterVersion();
    GkeVersion parsed =
        GkeVersion.parse(version)
            .orElseThrow(
                () ->
                    Failures.permanent(
                        FailureType.UNSUPPORTED_CLUSTER_VERSION,
                        "GKE cluster "
                            + ctx.cluster()
                            + " reports master version '"
                            + version
                            + "', which is not a GKE version"));
    if (!parsed.supported()) {
      throw Failures.permanent(
          FailureType.UNSUPPORTED_CLUSTER_VERSION,
          "GKE cluster "
              + ctx.cluster()
              + " runs master version "
              + version
              + "; managed Anthos Service Mesh needs 1.17.17-gke.3100, 1.18.16-gke.1600,"
              + " 1.19.8-gke.1600 or any 1.20 or later: upgrade the cluster first");
    }
    if (cluster.getAddonsConfig().getIstioConfig().getDisabled()) {
      notes.warn(
          "preflight-addon-disabled",
          "Cluster",
          "",
          ctx.cluster().cluster(),
          "GKE reports the Istio add-on of "
              + ctx.cluster()
              + " disabled already; its objects in the cluster are migrated as found");
    }
    return version;
  }

  // --- add-on detection --------------------------------------------------------------------------

  static List<AddonVersion> detectAddon(KubernetesClient client) {
    List<Pod> pods =
        call(
            "list pods in " + ISTIO_SYSTEM,
            () -> client.pods().inNamespace(ISTIO_SYSTEM).list().getItems());
    List<Deployment> deployments =
        call(
            "list deployments in " + ISTIO_SYSTEM,
            () -> client.apps().deployments().inNamespace(ISTIO_SYSTEM).list().getItems());
    List<AddonVersion> versions = new ArrayList<>();

    List<Pod> pilots = withLabel(pods, "istio", "pilot");
    List<Pod> citadels = withLabel(pods, "istio", "citadel");
    boolean pilotDeployment = named(deployments, "istio-pilot").isPresent();
    boolean citadelDeployment = named(deployments, "istio-citadel").isPresent();
    if (!pilots.isEmpty() && !citadels.isEmpty()) {
      for (Pod pilot : pilots) {
        String image = image(pilot, "discovery");
        if (!tag(image).startsWith("1.4.")) {
          throw Failures.permanent(
              FailureType.UNSUPPORTED_VERSION,
              "pod "
                  + ISTIO_SYSTEM
                  + "/"
                  + pilot.getMetadata().getName()
                  + " (istio=pilot) runs "
                  + image
                  + ": asm-migrate migrates the Istio on GKE add-on 1.4 (pilot 1.4.x) and 1.6"
                  + " (istiod-istio-1611) only");
        }
      }
      versions.add(AddonVersion.V1_4);
    } else if (pilotDeployment || citadelDeployment) {
      // the add-on's deployments are there but their pods are not: the control plane is not
      // available, which checkControlPlaneAvailable names
      versions.add(AddonVersion.V1_4);
    } else if (!pilots.isEmpty() || !citadels.isEmpty()) {
      throw Failures.permanent(
          FailureType.UNSUPPORTED_VERSION,
          "an incomplete Istio control plane runs in "
              + ISTIO_SYSTEM
              + ": "
              + (pilots.isEmpty() ? "no istio=pilot pods" : "no istio=citadel pods")
              + "; it is not the Istio on GKE add-on 1.4");
    }

    for (Deployment d : deployments) {
      String app = label(d, "app");
      if ("istiod".equals(app) && !ISTIOD_16.equals(d.getMetadata().getName())) {
        throw Failures.permanent(
            FailureType.UNSUPPORTED_VERSION,
            "deployment "
                + ISTIO_SYSTEM
                + "/"
                + d.getMetadata().getName()
                + " (revision "
                + Objects.requireNonNullElse(label(d, IstioNames.REV_LABEL), "default")
                + ") is an istiod that is not the add-on's: asm-migrate migrates the Istio on GKE"
                + " add-on 1.4 and 1.6 (istiod-istio-1611) only");
      }
    }
    Optional<Deployment> istiod = named(deployments, ISTIOD_16);
    if (istiod.isPresent()) {
      Deployment d = istiod.get();
      String image =
          d.getSpec().getTemplate().getSpec().getContainers().stream()
              .filter(c -> "discovery".equals(c.getName()))
              .map(Container::getImage)
              .findFirst()
              .orElse("");
      if (!tag(image).startsWith("1.6.")) {
        throw Failures.permanent(
            FailureType.UNSUPPORTED_VERSION,
            "deployment " + ISTIO_SYSTEM + "/" + ISTIOD_16 + " runs " + image + ", not add-on 1.6");
      }
      boolean meshConfig =
          call(
                  "get configmap " + ISTIO_SYSTEM + "/" + MESH_CONFIG_16,
                  () ->
                      client.configMaps().inNamespace(ISTIO_SYSTEM).withName(MESH_CONFIG_16).get())
              != null;
      boolean operator =
          new Restorer(client)
                  .read(
                      new ObjectKey(
                          "install.istio.io/v1alpha1", "IstioOperator", ISTIO_SYSTEM, OPERATOR_16))
              != null;
      if (!meshConfig || !operator) {
        throw Failures.permanent(
            FailureType.UNSUPPORTED_VERSION,
            "deployment "
                + ISTIO_SYSTEM
                + "/"
                + ISTIOD_16
                + " runs without "
                + (!meshConfig ? "ConfigMap " + MESH_CONFIG_16 : "IstioOperator " + OPERATOR_16)
                + ": not the Istio on GKE add-on 1.6");
      }
      versions.add(AddonVersion.V1_6);
    }
    if (versions.isEmpty()) {
      throw Failures.permanent(
          FailureType.UNSUPPORTED_VERSION,
          "no Istio on GKE add-on found in "
              + ISTIO_SYSTEM
              + ": no istio=pilot and istio=citadel pods (add-on 1.4) and no deployment "
              + ISTIOD_16
              + " (add-on 1.6)");
    }
    return versions;
  }
}
