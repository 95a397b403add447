package dev.asmmigrate.config.convert;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the repository root, and the shared material that sits beside it. */
final class RepositoryPaths {

  private RepositoryPaths() {}

  /**
   * The directory holding the reactor's root {@code pom.xml} (the one listing the {@code workflows}
   * module), found by walking up from the module directory.
   */
  static Path repositoryRoot() {
    Path start =
        Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
            .toAbsolutePath()
            .normalize();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      Path pom = dir.resolve("pom.xml");
      if (Files.isRegularFile(pom) && readString(pom).contains("<module>workflows</module>")) {
        return dir;
      }
    }
    throw new IllegalStateException(
        "no pom.xml with <module>workflows</module> in " + start + " or any parent directory");
  }

  /** {@code ../shared} relative to the repository root. */
  static Path shared() {
    return repositoryRoot().resolve("../shared").normalize();
  }

  private static String readString(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
