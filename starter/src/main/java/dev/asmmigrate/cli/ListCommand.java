package dev.asmmigrate.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.workflows.MigrationSearchAttributes;
import io.grpc.Status;
import io.temporal.api.filter.v1.WorkflowTypeFilter;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import io.temporal.client.WorkflowExecutionMetadata;
import io.temporal.common.converter.DataConverter;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code asm-migrate list}: the migrations a Temporal namespace knows. */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Lists migrations through Temporal's visibility API, with their search attributes"
          + " AsmCluster and AsmPhase (the same filter works in the Temporal UI: AsmPhase ="
          + " 'WAITING_FOR_APPROVAL').",
      "A server without visibility queries (Temporal's Java test server) is listed by workflow"
          + " type, and --phase is then applied here."
    })
final class ListCommand implements Callable<Integer> {
  static final String WORKFLOW_TYPE = "MigrationWorkflow";

  @Spec CommandSpec spec;

  @Mixin TemporalOptions temporal;

  @Option(
      names = "--phase",
      paramLabel = "PHASE",
      description = "Only migrations whose AsmPhase is this (e.g. WAITING_FOR_APPROVAL, SUCCESS).")
  String phase;

  @Mixin TextOrJson output;

  record Row(String workflowId, String status, String cluster, String phase, Instant started) {}

  @Override
  public Integer call() {
    boolean json = output.json();
    if (phase != null && !MigrationSearchAttributes.phases().contains(phase)) {
      throw new UserError(
          ExitCodes.USAGE,
          "--phase must be one of "
              + String.join(", ", MigrationSearchAttributes.phases())
              + ", got '"
              + phase
              + "'");
    }
    PrintWriter out = spec.commandLine().getOut();
    List<Row> rows = new ArrayList<>();
    String note = null;
    try (Migrations migrations = Migrations.connect(temporal)) {
      String query =
          "WorkflowType = '"
              + WORKFLOW_TYPE
              + "'"
              + (phase == null ? "" : " AND AsmPhase = '" + phase + "'");
      try {
        migrations.client().listExecutions(query).forEach(m -> rows.add(row(m)));
      } catch (RuntimeException e) {
        if (!Migrations.hasStatus(e, Status.Code.UNIMPLEMENTED)) {
          throw e;
        }
        note =
            "this Temporal server has no visibility queries: listed open and closed migrations by"
                + " workflow type"
                + (phase == null ? "" : ", --phase applied here");
        for (WorkflowExecutionInfo listed : byType(migrations)) {
          // such a server lists executions without their search attributes; describe has them
          WorkflowExecutionInfo info =
              listed.getSearchAttributes().getIndexedFieldsCount() > 0
                  ? listed
                  : migrations
                      .client()
                      .newUntypedWorkflowStub(
                          listed.getExecution().getWorkflowId(),
                          java.util.Optional.of(listed.getExecution().getRunId()),
                          java.util.Optional.empty())
                      .describe()
                      .getWorkflowExecutionInfo();
          Row r = row(new WorkflowExecutionMetadata(info, DataConverter.getDefaultInstance()));
          if (phase == null || phase.equals(r.phase())) {
            rows.add(r);
          }
        }
      }
    }
    if (json) {
      ArrayNode array = StatusView.JSON.createArrayNode();
      for (Row r : rows) {
        ObjectNode n = array.addObject();
        n.put("workflowId", r.workflowId());
        n.put("workflowStatus", r.status());
        n.put("AsmCluster", r.cluster());
        n.put("AsmPhase", r.phase());
        n.put("startTime", r.started() == null ? null : r.started().toString());
      }
      out.println(array.toPrettyString());
    } else {
      out.println(
          String.format("%-50s  %-10s  %-22s  %s", "WORKFLOW", "STATUS", "PHASE", "STARTED"));
      for (Row r : rows) {
        out.println(
            String.format(
                "%-50s  %-10s  %-22s  %s",
                r.workflowId(),
                r.status(),
                r.phase() == null ? "-" : r.phase(),
                r.started() == null
                    ? "-"
                    : r.started().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
      }
    }
    out.flush();
    if (note != null) {
      spec.commandLine().getErr().println("note: " + note);
    }
    return ExitCodes.OK;
  }

  private static List<WorkflowExecutionInfo> byType(Migrations migrations) {
    var stub = migrations.client().getWorkflowServiceStubs().blockingStub();
    String namespace = migrations.client().getOptions().getNamespace();
    WorkflowTypeFilter type = WorkflowTypeFilter.newBuilder().setName(WORKFLOW_TYPE).build();
    List<WorkflowExecutionInfo> infos = new ArrayList<>();
    infos.addAll(
        stub.listOpenWorkflowExecutions(
                ListOpenWorkflowExecutionsRequest.newBuilder()
                    .setNamespace(namespace)
                    .setMaximumPageSize(1000)
                    .setTypeFilter(type)
                    .build())
            .getExecutionsList());
    infos.addAll(
        stub.listClosedWorkflowExecutions(
                ListClosedWorkflowExecutionsRequest.newBuilder()
                    .setNamespace(namespace)
                    .setMaximumPageSize(1000)
                    .setTypeFilter(type)
                    .build())
            .getExecutionsList());
    return infos;
  }

  private static Row row(WorkflowExecutionMetadata m) {
    String cluster = null;
    String phase = null;
    try {
      cluster = m.getTypedSearchAttributes().get(MigrationSearchAttributes.CLUSTER);
      phase = m.getTypedSearchAttributes().get(MigrationSearchAttributes.PHASE);
    } catch (RuntimeException e) {
      // attributes without type metadata (older servers): read them untyped
      cluster = first(m, "AsmCluster");
      phase = first(m, "AsmPhase");
    }
    return new Row(
        m.getExecution().getWorkflowId(),
        m.getStatus().name().replace("WORKFLOW_EXECUTION_STATUS_", ""),
        cluster,
        phase,
        m.getStartTime());
  }

  private static String first(WorkflowExecutionMetadata m, String name) {
    List<?> values = m.getSearchAttributes().get(name);
    return values == null || values.isEmpty() ? null : String.valueOf(values.get(0));
  }
}
