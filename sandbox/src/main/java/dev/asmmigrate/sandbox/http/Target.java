package dev.asmmigrate.sandbox.http;

import dev.asmmigrate.sandbox.api.ApiException;
import dev.asmmigrate.sandbox.api.ResourceRegistry;
import dev.asmmigrate.sandbox.api.ResourceType;
import java.util.Optional;

/** A parsed resource request. */
record Target(ResourceType type, String namespace, String name, String subresource) {

  static Target parse(ResourceRegistry registry, String path) {
    String[] s = HttpIo.segments(path);
    String group;
    String version;
    int i;
    if (s.length >= 2 && s[0].equals("api")) {
      group = "";
      version = s[1];
      i = 2;
    } else if (s.length >= 3 && s[0].equals("apis")) {
      group = s[1];
      version = s[2];
      i = 3;
    } else {
      throw new ApiException(404, "NotFound", "the server could not find the requested resource");
    }
    String[] rest = java.util.Arrays.copyOfRange(s, i, s.length);
    if (rest.length >= 3 && rest[0].equals("namespaces")) {
      Optional<ResourceType> t = registry.find(group, version, rest[2]);
      if (t.isPresent() && t.get().namespaced()) {
        return new Target(
            t.get(), rest[1], rest.length > 3 ? rest[3] : null, rest.length > 4 ? rest[4] : null);
      }
    }
    if (rest.length == 0) {
      throw new ApiException(404, "NotFound", "the server could not find the requested resource");
    }
    ResourceType t =
        registry
            .find(group, version, rest[0])
            .orElseThrow(
                () ->
                    new ApiException(
                        404, "NotFound", "the server could not find the requested resource"));
    return new Target(t, null, rest.length > 1 ? rest[1] : null, rest.length > 2 ? rest[2] : null);
  }
}
