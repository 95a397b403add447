package dev.asmmigrate.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A kubeconfig whose one context points at a port nothing serves: read, never reached. */
public final class TestKubeconfig {
  private TestKubeconfig() {}

  /** Writes it to {@code file} with its context, the current one, named {@code context}. */
  public static Path unreachable(Path file, String context) throws IOException {
    return Files.writeString(
        file,
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: c
          cluster: {server: "https://127.0.0.1:1"}
        contexts:
        - name: %s
          context: {cluster: c, user: u}
        current-context: %s
        users:
        - name: u
          user: {token: t}
        """
            .formatted(context, context));
  }
}
