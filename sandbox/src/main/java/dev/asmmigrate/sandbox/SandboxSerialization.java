package dev.asmmigrate.sandbox;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.model.jackson.Jackson2JdkTypesModule;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.module.blackbird.BlackbirdModule;

/**
 * The one fabric8 serialization of the sandbox's own clients (its controllers, kubelet, Istio
 * components): fabric8's default mapper plus Jackson's Blackbird module.
 *
 * <p>The controllers write through the API as the real ones do, so every write serialises a model
 * and every response and watch event deserialises one. Jackson 3 reaches bean properties through
 * method handles, which the JIT cannot inline from a serializer's field (JFR showed
 * DirectMethodHandle$Holder.invokeVirtual as the hottest frame of the sandbox); Blackbird gives
 * each property a generated accessor instead, and sharing one mapper gives every client the same
 * warmed-up serializers. The JSON is the same byte for byte. The product's clients are not touched.
 */
final class SandboxSerialization {
  private static final KubernetesSerialization SHARED =
      new KubernetesSerialization(
          JsonMapper.builderWithJackson2Defaults()
              .addModule(new Jackson2JdkTypesModule())
              .addModule(new BlackbirdModule())
              .build(),
          true);

  private SandboxSerialization() {}

  static KubernetesSerialization shared() {
    return SHARED;
  }
}
