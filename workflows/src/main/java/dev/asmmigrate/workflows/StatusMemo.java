package dev.asmmigrate.workflows;

import dev.asmmigrate.workflows.model.MigrationStatus;
import dev.asmmigrate.workflows.model.NamespaceStatus;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DataConverter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The migration's status as the workflow keeps it in its memo, so that {@code status}, {@code
 * report} and {@code list} read it from Temporal's own records, with no worker to answer a query.
 * It is the status query's answer in pieces, so that a namespace's progress upserts only that
 * namespace: {@value #STATUS} (the status without its namespaces), {@value #NAMESPACES} (their
 * names in order) and {@value #NAMESPACE}{@code <name>} for each. The memo's payloads go through
 * the same data converter (and codec) as every other payload; the status holds no secrets.
 */
public final class StatusMemo {
  public static final String STATUS = "status";
  public static final String NAMESPACES = "namespaces";
  public static final String NAMESPACE = "namespace:";

  private StatusMemo() {}

  /** The status without its namespaces, as {@value #STATUS} holds it. */
  static MigrationStatus head(MigrationStatus s) {
    return s.withNamespaces(List.of());
  }

  /**
   * The status a memo holds, or empty for a migration started before the workflow kept it there.
   *
   * @param dataConverter the one the workflow's payloads are encoded with (with the codec)
   */
  public static Optional<MigrationStatus> read(
      Map<String, Payload> memo, DataConverter dataConverter) {
    Payload head = memo.get(STATUS);
    if (head == null) {
      return Optional.empty();
    }
    MigrationStatus s =
        dataConverter.fromPayload(head, MigrationStatus.class, MigrationStatus.class);
    List<NamespaceStatus> namespaces = new ArrayList<>();
    Payload names = memo.get(NAMESPACES);
    if (names != null) {
      String[] order = dataConverter.fromPayload(names, String[].class, String[].class);
      for (String name : order) {
        Payload ns = memo.get(NAMESPACE + name);
        if (ns != null) {
          namespaces.add(
              dataConverter.fromPayload(ns, NamespaceStatus.class, NamespaceStatus.class));
        }
      }
    }
    return Optional.of(s.withNamespaces(namespaces));
  }
}
