package dev.asmmigrate.worker;

import dev.asmmigrate.workflows.MigrationSearchAttributes;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesResponse;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure the namespace knows the migration's search attributes (keywords {@code AsmCluster},
 * {@code AsmPhase}): lists them, and registers the missing ones when the caller may. A Temporal
 * server refuses a start naming an unregistered attribute and fails every workflow task that
 * upserts one, so migrations are started with the attributes only when this says they exist.
 *
 * <p>Temporal's Java test server has no ListSearchAttributes (UNIMPLEMENTED) but does register
 * through AddSearchAttributes, answering ALREADY_EXISTS for a known name.
 */
public final class SearchAttributeRegistration {
  private static final Logger log = LoggerFactory.getLogger(SearchAttributeRegistration.class);

  private SearchAttributeRegistration() {}

  /** What {@link #ensure} found or did. */
  public record Outcome(boolean registered, String detail) {}

  /** Checks, and registers when missing; never throws for a server that refuses. */
  public static Outcome ensure(WorkflowServiceStubs service, String namespace) {
    OperatorServiceStubs operator =
        OperatorServiceStubs.newServiceStubs(
            OperatorServiceStubsOptions.newBuilder()
                .setChannel(service.getRawChannel())
                .validateAndBuildWithDefaults());
    try {
      List<String> missing = new ArrayList<>();
      try {
        ListSearchAttributesResponse listed =
            operator
                .blockingStub()
                .listSearchAttributes(
                    ListSearchAttributesRequest.newBuilder().setNamespace(namespace).build());
        for (var key : MigrationSearchAttributes.REGISTERED) {
          IndexedValueType type = typeOf(listed, key.getName());
          if (type == null) {
            missing.add(key.getName());
          } else if (type != IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD) {
            return warn(
                "search attribute "
                    + key.getName()
                    + " exists with type "
                    + type
                    + " instead of Keyword; migrations run without search attributes");
          }
        }
        if (missing.isEmpty()) {
          return new Outcome(
              true, "search attributes AsmCluster, AsmPhase and AsmFleet are registered");
        }
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.UNIMPLEMENTED) {
          return warn("cannot list search attributes (" + e.getStatus() + ")" + howTo());
        }
        MigrationSearchAttributes.REGISTERED.forEach(k -> missing.add(k.getName()));
      }
      for (String name : missing) {
        try {
          operator
              .blockingStub()
              .addSearchAttributes(
                  AddSearchAttributesRequest.newBuilder()
                      .setNamespace(namespace)
                      .putSearchAttributes(name, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
                      .build());
          log.info("registered search attribute {} (Keyword) in namespace {}", name, namespace);
        } catch (StatusRuntimeException e) {
          if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
            return warn("cannot register search attribute " + name + " (" + e.getStatus() + ")");
          }
        }
      }
      return new Outcome(
          true, "search attributes AsmCluster, AsmPhase and AsmFleet are registered");
    } finally {
      operator.shutdown();
    }
  }

  private static IndexedValueType typeOf(ListSearchAttributesResponse listed, String name) {
    for (Map<String, IndexedValueType> m :
        List.of(listed.getCustomAttributesMap(), listed.getSystemAttributesMap())) {
      if (m.containsKey(name)) {
        return m.get(name);
      }
    }
    return null;
  }

  private static String howTo() {
    return "; an administrator can register them with 'temporal operator search-attribute create"
        + " --name AsmCluster --type Keyword' and the same for AsmPhase";
  }

  private static Outcome warn(String message) {
    String full = message.contains("temporal operator") ? message : message + howTo();
    log.warn("{}", full);
    return new Outcome(false, full);
  }
}
