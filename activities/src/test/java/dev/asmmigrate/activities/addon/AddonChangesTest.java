package dev.asmmigrate.activities.addon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.container.v1beta1.IstioConfig;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.plan.DesiredChange;
import dev.asmmigrate.activities.plan.PlannedChange;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pure computations of disable-addon and cleanup on small inputs: no cluster, no client. */
class AddonChangesTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String CLUSTER = "projects/p/locations/l/clusters/c";

  static ObjectNode tree(String json) {
    try {
      return (ObjectNode) JSON.readTree(json.replace('\'', '"'));
    } catch (Exception e) {
      throw new IllegalArgumentException(json, e);
    }
  }

  @Test
  @SuppressWarnings("deprecation") // istio_config, as the step reads it
  void givenTheAddonEnabled_itShouldDisableItKeepingItsOtherSettings() {
    IstioConfig enabled =
        IstioConfig.newBuilder().setAuth(IstioConfig.IstioAuthMode.AUTH_MUTUAL_TLS).build();

    AddonChanges.Disable d = AddonChanges.disable(CLUSTER, enabled).orElseThrow();

    assertThat(d.planned().describe())
        .isEqualTo("call container.googleapis.com/v1beta1 UpdateCluster " + CLUSTER);
    assertThat(d.planned().body().toString())
        .isEqualTo("{\"update\":{\"desiredAddonsConfig\":{\"istioConfig\":{\"disabled\":true}}}}");
    IstioConfig sent = d.request().getUpdate().getDesiredAddonsConfig().getIstioConfig();
    assertThat(sent.getDisabled()).isTrue();
    assertThat(sent.getAuth()).isEqualTo(IstioConfig.IstioAuthMode.AUTH_MUTUAL_TLS);
    assertThat(d.request().getName()).isEqualTo(CLUSTER);
    assertThat(AddonChanges.disable(CLUSTER, sent)).isEmpty();
  }

  static final ObjectKey ISTIO_CM = new ObjectKey("v1", "ConfigMap", "istio-system", "istio");
  static final ObjectKey GALLEY_WEBHOOK =
      new ObjectKey(
          "admissionregistration.k8s.io/v1",
          "ValidatingWebhookConfiguration",
          null,
          "istio-galley");

  static AddonChanges.Observed observed() {
    ObjectNode custom =
        tree(
            "{'metadata':{'name':'audit','labels':{'k8s-app':'istio'}},"
                + "'spec':{'match':'true','actions':[]}}");
    ObjectNode postInstall = tree("{'metadata':{'name':'istio-security-post-install-1.4.10'}}");
    ObjectNode rotate = tree("{'metadata':{'name':'rotate-certs'}}");
    return new AddonChanges.Observed(
        Map.of("rule", List.of(custom)),
        List.of(rotate, postInstall),
        Map.of(
            ISTIO_CM,
            tree("{'metadata':{'name':'istio'}}"),
            GALLEY_WEBHOOK,
            tree("{'metadata':{'name':'istio-galley'}}"),
            new ObjectKey("batch/v1", "Job", "istio-system", "istio-security-post-install-1.4.10"),
            postInstall,
            new ObjectKey("batch/v1", "Job", "istio-system", "rotate-certs"),
            rotate,
            new ObjectKey("config.istio.io/v1alpha2", "rule", "istio-system", "audit"),
            custom));
  }

  @Test
  void givenFixedObjectsAndLabelledOnes_itShouldDeleteThoseThatExistAndKeepTheUnproven() {
    AddonChanges.Cleanup c = AddonChanges.cleanup(observed());

    assertThat(DesiredChange.planned(c.deletes()))
        .extracting(PlannedChange::describe)
        .containsExactly(
            "delete ConfigMap istio-system/istio",
            "delete ValidatingWebhookConfiguration istio-galley",
            "delete Job istio-system/istio-security-post-install-1.4.10");
    assertThat(c.deletes())
        .extracting(DesiredChange::done)
        .first()
        .isEqualTo("deleted ConfigMap istio-system/istio");
    assertThat(c.kept())
        .extracting(k -> k.kind() + " " + k.name() + " | " + k.deleteCommand())
        .containsExactly(
            "rule audit | kubectl delete rule.v1alpha2.config.istio.io audit -n istio-system",
            "Job rotate-certs | kubectl delete job.v1.batch rotate-certs -n istio-system");
    assertThat(c.selected())
        .containsAll(AddonObjects.fixed())
        .hasSize(AddonObjects.fixed().size() + 1);
  }

  @Test
  void givenObjectsEarlierStepsDelete_thePlanShouldLeaveThemOut() {
    AddonChanges.Observed o =
        observed()
            .without(
                Set.of(
                    new ObjectKey(
                        "admissionregistration.k8s.io/v1beta1",
                        "ValidatingWebhookConfiguration",
                        null,
                        "istio-galley")));

    assertThat(DesiredChange.planned(AddonChanges.cleanup(o).deletes()))
        .extracting(PlannedChange::describe)
        .containsExactly(
            "delete ConfigMap istio-system/istio",
            "delete Job istio-system/istio-security-post-install-1.4.10");
  }
}
