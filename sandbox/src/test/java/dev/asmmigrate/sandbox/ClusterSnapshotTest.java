package dev.asmmigrate.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.api.Json;
import dev.asmmigrate.sandbox.api.ObjectStore;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import java.time.Clock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The snapshot ignores only what issue 3 lists (resourceVersion, uid, timestamps, status, pod
 * names, restart annotations and what restarts generate) and sees every other change.
 */
class ClusterSnapshotTest {
  ObjectStore store;

  @BeforeEach
  void setUp() {
    store = new ObjectStore(new ResourceRegistry(), Clock.systemUTC());
    store.create(ResourceRegistry.NAMESPACES, null, parse("{'metadata':{'name':'app'}}"), false);
    store.create(
        ResourceRegistry.DEPLOYMENTS,
        "app",
        parse(
            "{'metadata':{'name':'web'},'spec':{'replicas':1,'selector':{'matchLabels':{'app':'web'}},"
                + "'template':{'metadata':{'labels':{'app':'web'}},"
                + "'spec':{'containers':[{'name':'web','image':'web:1'}]}}}}"),
        false);
    replicaSetAndPod("aaaaa11111", "web-aaaaa11111-xyz12", "proxyv2:1.4", 1);
  }

  private static ObjectNode parse(String singleQuoted) {
    return (ObjectNode) Json.parse(singleQuoted.replace('\'', '"'));
  }

  private String deploymentUid() {
    return store
        .require(ResourceRegistry.DEPLOYMENTS, "app", "web")
        .path("metadata")
        .path("uid")
        .asText();
  }

  private void replicaSetAndPod(String hash, String pod, String proxy, int replicas) {
    String rs = "web-" + hash;
    store.create(
        ResourceRegistry.REPLICASETS,
        "app",
        parse(
            ("{'metadata':{'name':'%s','labels':{'app':'web','pod-template-hash':'%s'},"
                    + "'ownerReferences':[{'apiVersion':'apps/v1','kind':'Deployment','name':'web',"
                    + "'uid':'%s','controller':true}]},"
                    + "'spec':{'replicas':%d,'selector':{'matchLabels':{'app':'web','pod-template-hash':'%s'}},"
                    + "'template':{'metadata':{'labels':{'app':'web','pod-template-hash':'%s'}},"
                    + "'spec':{'containers':[{'name':'web','image':'web:1'}]}}}}")
                .formatted(rs, hash, deploymentUid(), replicas, hash, hash)),
        false);
    if (pod == null) {
      return;
    }
    String rsUid =
        store
            .require(ResourceRegistry.REPLICASETS, "app", rs)
            .path("metadata")
            .path("uid")
            .asText();
    store.create(
        ResourceRegistry.PODS,
        "app",
        parse(
            ("{'metadata':{'name':'%s','labels':{'app':'web','pod-template-hash':'%s'},"
                    + "'ownerReferences':[{'apiVersion':'apps/v1','kind':'ReplicaSet','name':'%s',"
                    + "'uid':'%s','controller':true}]},"
                    + "'spec':{'nodeName':'node-%s','containers':[{'name':'web','image':'web:1'},"
                    + "{'name':'istio-proxy','image':'%s',"
                    + "'env':[{'name':'LABELS','value':'{\\'pod-template-hash\\':\\'%s\\'}'}]}]}}")
                .formatted(pod, hash, rs, rsUid, hash, proxy, hash)),
        false);
  }

  private void deletePod(String name) {
    store.delete(ResourceRegistry.PODS, "app", name, 0L, null, false);
  }

  private void scaleReplicaSet(String name, int replicas) {
    store.mutate(
        ResourceRegistry.REPLICASETS,
        "app",
        name,
        rs -> {
          ((ObjectNode) rs.get("spec")).put("replicas", replicas);
          return rs;
        },
        null,
        false);
  }

  @Test
  void givenAPodReplacedByARestart_whenSnapshotted_itShouldCompareEqualOnlyIfWhatRunsIsTheSame() {
    ClusterSnapshot before = ClusterSnapshot.take(store);

    // restarted: a new ReplicaSet and pod (new hash, name, node, uid), the old one kept at zero
    store.mutate(
        ResourceRegistry.DEPLOYMENTS,
        "app",
        "web",
        d -> {
          ((ObjectNode) d.path("spec").path("template").path("metadata"))
              .putObject("annotations")
              .put("kubectl.kubernetes.io/restartedAt", "2026-01-01T00:00:00Z");
          return d;
        },
        null,
        false);
    scaleReplicaSet("web-aaaaa11111", 0);
    deletePod("web-aaaaa11111-xyz12");
    replicaSetAndPod("bbbbb22222", "web-bbbbb22222-abc34", "proxyv2:1.4", 1);
    assertThat(before.diff(ClusterSnapshot.take(store))).isEmpty();

    // the same restart with another proxy image is a difference
    scaleReplicaSet("web-bbbbb22222", 0);
    deletePod("web-bbbbb22222-abc34");
    replicaSetAndPod("ccccc33333", "web-ccccc33333-def56", "proxyv2:asm", 1);
    assertThat(before.diff(ClusterSnapshot.take(store)))
        .singleElement()
        .asString()
        .startsWith("changed: pods app ReplicaSet/web-<pod-template-hash>")
        .contains("proxyv2:asm");
  }

  @Test
  void givenAnyOtherChange_whenSnapshotted_itShouldBeADifference() {
    ClusterSnapshot before = ClusterSnapshot.take(store);

    store.mutate(
        ResourceRegistry.NAMESPACES,
        null,
        "app",
        ns -> {
          ((ObjectNode) ns.get("metadata")).putObject("labels").put("istio.io/rev", "asm-managed");
          return ns;
        },
        null,
        false);
    store.create(ResourceRegistry.CONFIGMAPS, "app", parse("{'metadata':{'name':'extra'}}"), false);
    replicaSetAndPod("ddddd44444", "web-ddddd44444-ghi78", "proxyv2:1.4", 1);

    assertThat(before.diff(ClusterSnapshot.take(store)))
        .anySatisfy(d -> assertThat(d).startsWith("changed: namespaces app"))
        .anySatisfy(d -> assertThat(d).startsWith("added: configmaps app/extra"))
        .anySatisfy(d -> assertThat(d).startsWith("changed: pods app ReplicaSet/web-"))
        .anySatisfy(d -> assertThat(d).startsWith("changed: replicasets app Deployment/web"))
        .hasSize(4);
  }
}
