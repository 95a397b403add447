package dev.asmmigrate.activities.configs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.activities.backup.ObjectKey;
import dev.asmmigrate.activities.configs.ConfigChanges.Observed;
import dev.asmmigrate.activities.plan.PlannedChange;
import dev.asmmigrate.workflows.model.FailureType;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigChangesTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static ObjectNode peer(String namespace, String mode) {
    try {
      return (ObjectNode)
          JSON.readTree(
              "{\"apiVersion\": \"security.istio.io/v1beta1\", \"kind\": \"PeerAuthentication\","
                  + " \"metadata\": {\"name\": \"default\", \"namespace\": \""
                  + namespace
                  + "\", \"annotations\": {\"security.istio.io/alpha-policy-convert\": \"Policy "
                  + namespace
                  + "/default\"}}, \"spec\": {\"mtls\": {\"mode\": \""
                  + mode
                  + "\"}}}");
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  static ObjectKey key(String namespace) {
    return new ObjectKey("security.istio.io/v1beta1", "PeerAuthentication", namespace, "default");
  }

  @Test
  void givenConvertedObjectsSomeThereAsConverted_itShouldCreateTheOthersOnly() {
    ObjectNode there = peer("b", "STRICT");
    there.with("metadata").put("resourceVersion", "5");

    List<PlannedChange> changes =
        ConfigChanges.desired(
            new Observed(
                List.of(peer("a", "STRICT"), peer("b", "STRICT"), peer("c", "PERMISSIVE")),
                Map.of(key("b"), there)));

    assertThat(changes)
        .extracting(PlannedChange::describe)
        .containsExactly(
            "create PeerAuthentication a/default", "create PeerAuthentication c/default");
    assertThat(changes.get(1).body()).isEqualTo(peer("c", "PERMISSIVE"));
  }

  @Test
  void givenAnObjectInTheWayWithOtherContent_itShouldFailBlockingNamingIt() {
    ApplicationFailure failure =
        catchThrowableOfType(
            ApplicationFailure.class,
            () ->
                ConfigChanges.desired(
                    new Observed(
                        List.of(peer("a", "STRICT")), Map.of(key("a"), peer("a", "DISABLE")))));

    assertThat(failure.getType()).isEqualTo(FailureType.BLOCKING_CONFIG.name());
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage()).contains("PeerAuthentication a/default");
  }

  @Test
  void givenNothingConverted_itShouldChangeNothing() {
    assertThat(ConfigChanges.desired(new Observed(List.of(), Map.of()))).isEmpty();
  }
}
