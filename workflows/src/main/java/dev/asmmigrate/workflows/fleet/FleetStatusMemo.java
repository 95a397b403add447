package dev.asmmigrate.workflows.fleet;

import dev.asmmigrate.workflows.model.fleet.ClusterOutcome;
import dev.asmmigrate.workflows.model.fleet.FleetStatus;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DataConverter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A fleet's status as its workflow keeps it in its memo, so that {@code fleet status} shows every
 * cluster's row with no worker to answer a query. In pieces, so that a cluster's change upserts
 * only its row: {@value #STATUS} (the status without its rows and soak checks), {@value #CLUSTERS}
 * (the clusters' names in wave order) and {@value #CLUSTER}{@code <name>} for each row. Changes
 * made in one workflow task reach the memo in one upsert.
 */
public final class FleetStatusMemo {
  public static final String STATUS = "fleet-status";
  public static final String CLUSTERS = "clusters";
  public static final String CLUSTER = "cluster:";

  private final Map<String, Object> pending = new LinkedHashMap<>();
  private boolean head;

  void order(List<String> names) {
    pending.put(CLUSTERS, names);
  }

  void row(ClusterOutcome o) {
    pending.put(CLUSTER + o.cluster().cluster(), o);
  }

  void head() {
    head = true;
  }

  boolean dirty() {
    return head || !pending.isEmpty();
  }

  /** What to upsert now: the changed rows and the status's head. */
  Map<String, Object> take(FleetStatus s) {
    Map<String, Object> out = new LinkedHashMap<>(pending);
    out.put(
        STATUS,
        new FleetStatus(
            s.fleetId(),
            s.state(),
            s.phase(),
            s.wave(),
            s.waitingFor(),
            List.of(),
            s.approvals(),
            List.of(),
            s.reason()));
    pending.clear();
    head = false;
    return out;
  }

  /**
   * The status a fleet's memo holds (its soak checks are in the query's answer and the result
   * only), or empty when it holds none yet.
   */
  public static Optional<FleetStatus> read(Map<String, Payload> memo, DataConverter converter) {
    Payload h = memo.get(STATUS);
    if (h == null) {
      return Optional.empty();
    }
    FleetStatus s = converter.fromPayload(h, FleetStatus.class, FleetStatus.class);
    List<ClusterOutcome> rows = new ArrayList<>();
    Payload names = memo.get(CLUSTERS);
    if (names != null) {
      for (String n : converter.fromPayload(names, String[].class, String[].class)) {
        Payload row = memo.get(CLUSTER + n);
        if (row != null) {
          rows.add(converter.fromPayload(row, ClusterOutcome.class, ClusterOutcome.class));
        }
      }
    }
    return Optional.of(
        new FleetStatus(
            s.fleetId(),
            s.state(),
            s.phase(),
            s.wave(),
            s.waitingFor(),
            rows,
            s.approvals(),
            List.of(),
            s.reason()));
  }
}
