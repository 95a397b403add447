package dev.asmmigrate.activities.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.plan.DesiredChange;
import dev.asmmigrate.activities.plan.PlannedChange;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure computation of replace-gateway on small inputs: no cluster, no client. */
class GatewayChangesTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static ObjectNode tree(String json) {
    try {
      return (ObjectNode) JSON.readTree(json.replace('\'', '"'));
    } catch (Exception e) {
      throw new IllegalArgumentException(json, e);
    }
  }

  static List<String> described(List<DesiredChange> changes) {
    return DesiredChange.planned(changes).stream().map(PlannedChange::describe).toList();
  }

  static final ObjectNode LABELLED_NS =
      tree("{'metadata':{'name':'istio-system','labels':{'istio-injection':'disabled'}}}");

  @Test
  void givenTheAddonsGateway_itShouldSwapBehindTheServiceInTwoPhases() {
    GatewayChanges.Observed o =
        new GatewayChanges.Observed(
            LABELLED_NS,
            tree("{'spec':{'replicas':2}}"),
            2,
            Map.of(),
            tree("{'spec':{'minReplicas':2,'maxReplicas':5}}"));

    GatewayChanges.Desired d = GatewayChanges.desired(o, "asm-managed");

    assertThat(described(d.beforeServing()))
        .containsExactly(
            "patch Namespace istio-system",
            "create ServiceAccount istio-system/asm-ingressgateway",
            "create Role istio-system/asm-ingressgateway",
            "create RoleBinding istio-system/asm-ingressgateway",
            "create Deployment istio-system/asm-ingressgateway");
    assertThat(described(d.afterServing()))
        .containsExactly(
            "patch HorizontalPodAutoscaler istio-system/istio-ingressgateway",
            "patch Deployment istio-system/istio-ingressgateway");
    assertThat(described(d.all())).hasSize(7);
    ObjectNode deployment = (ObjectNode) d.beforeServing().get(4).sent();
    assertThat(deployment.path("spec").path("replicas").asInt()).isEqualTo(2);
    assertThat(
            deployment
                .path("spec")
                .path("template")
                .path("metadata")
                .path("labels")
                .path("istio.io/rev")
                .asText())
        .isEqualTo("asm-managed");
    assertThat(d.beforeServing().get(0).planned().body().toString())
        .isEqualTo("{\"metadata\":{\"labels\":{\"istio-injection\":null,\"istio.io/rev\":null}}}");
    assertThat(d.afterServing().get(1).done())
        .isEqualTo("scaled Deployment istio-system/istio-ingressgateway from 2 to 0 replicas");
  }

  @Test
  void givenTheStepDone_itShouldChangeNothing() {
    Map<ObjectKey, ObjectNode> live = new HashMap<>(GatewayChanges.objects("asm-managed", 2));
    GatewayChanges.Observed o =
        new GatewayChanges.Observed(
            tree("{'metadata':{'name':'istio-system','labels':{'other':'x'}}}"),
            tree("{'spec':{'replicas':0}}"),
            2,
            live,
            tree("{'spec':{'minReplicas':1}}"));

    assertThat(GatewayChanges.desired(o, "asm-managed").all()).isEmpty();
  }

  @Test
  void givenANewGatewayUnlikeTheTemplate_itShouldReplaceItOnTheResourceVersionRead() {
    Map<ObjectKey, ObjectNode> live = new HashMap<>(GatewayChanges.objects("asm-managed", 1));
    ObjectNode edited = live.get(GatewayActivitiesImpl.DEPLOYMENT_KEY).deepCopy();
    edited.with("metadata").put("resourceVersion", "42");
    ((ObjectNode) edited.get("spec")).put("replicas", 5);
    live.put(GatewayActivitiesImpl.DEPLOYMENT_KEY, edited);
    GatewayChanges.Observed o =
        new GatewayChanges.Observed(
            tree("{'metadata':{'name':'istio-system'}}"), null, 0, live, null);

    List<DesiredChange> changes = GatewayChanges.desired(o, "asm-managed").all();

    assertThat(described(changes))
        .containsExactly("update Deployment istio-system/asm-ingressgateway");
    assertThat(changes.get(0).sent().path("metadata").path("resourceVersion").asText())
        .isEqualTo("42");
    assertThat(changes.get(0).sent().path("spec").path("replicas").asInt()).isEqualTo(1);
    assertThat(changes.get(0).planned().body().path("metadata").has("resourceVersion")).isFalse();
  }
}
