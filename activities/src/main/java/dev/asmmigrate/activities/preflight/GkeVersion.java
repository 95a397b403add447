package dev.asmmigrate.activities.preflight;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A GKE master version ({@code 1.19.8-gke.1600}) and the minimums managed Anthos Service Mesh
 * needs: 1.17.17-gke.3100, 1.18.16-gke.1600, 1.19.8-gke.1600, or any 1.20 and later.
 */
public record GkeVersion(int major, int minor, int patch, int gke)
    implements Comparable<GkeVersion> {
  private static final Pattern FORMAT =
      Pattern.compile("v?(\\d+)\\.(\\d+)\\.(\\d+)(?:-gke\\.(\\d+))?(?:[-+.].*)?");

  /** The oldest supported version of each minor below 1.20. */
  public static final List<GkeVersion> MINIMUMS =
      List.of(
          new GkeVersion(1, 17, 17, 3100),
          new GkeVersion(1, 18, 16, 1600),
          new GkeVersion(1, 19, 8, 1600));

  /** The first minor from which every version is supported. */
  public static final GkeVersion ALL_FROM = new GkeVersion(1, 20, 0, 0);

  public static Optional<GkeVersion> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    Matcher m = FORMAT.matcher(text.trim());
    if (!m.matches()) {
      return Optional.empty();
    }
    return Optional.of(
        new GkeVersion(
            Integer.parseInt(m.group(1)),
            Integer.parseInt(m.group(2)),
            Integer.parseInt(m.group(3)),
            m.group(4) == null ? 0 : Integer.parseInt(m.group(4))));
  }

  /** Whether managed ASM supports this master version. */
  public boolean supported() {
    if (compareTo(ALL_FROM) >= 0) {
      return true;
    }
    for (GkeVersion min : MINIMUMS) {
      if (min.major == major && min.minor == minor) {
        return compareTo(min) >= 0;
      }
    }
    return false;
  }

  @Override
  public int compareTo(GkeVersion o) {
    int c = Integer.compare(major, o.major);
    if (c == 0) {
      c = Integer.compare(minor, o.minor);
    }
    if (c == 0) {
      c = Integer.compare(patch, o.patch);
    }
    if (c == 0) {
      c = Integer.compare(gke, o.gke);
    }
    return c;
  }

  @Override
  public String toString() {
    return major + "." + minor + "." + patch + "-gke." + gke;
  }
}
