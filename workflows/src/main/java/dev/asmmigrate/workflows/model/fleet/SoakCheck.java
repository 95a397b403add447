package dev.asmmigrate.workflows.model.fleet;

import dev.asmmigrate.workflows.model.ClusterRef;
import java.util.List;

/**
 * One check of a migrated cluster during its wave's soak: every migrated namespace's pods still
 * Ready on the managed proxy, none restarted since the soak began.
 *
 * @param cluster the cluster checked
 * @param atMillis when (epoch ms)
 * @param pods how many pods were checked
 * @param problems what failed, one line per pod ({@code "ns/pod: not Ready"}); empty when it held
 */
public record SoakCheck(ClusterRef cluster, long atMillis, int pods, List<String> problems) {

  public SoakCheck {
    problems = problems == null ? List.of() : List.copyOf(problems);
  }

  public boolean held() {
    return problems.isEmpty();
  }
}
