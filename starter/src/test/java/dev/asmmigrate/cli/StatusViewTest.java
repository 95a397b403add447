package dev.asmmigrate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.temporal.api.common.v1.ActivityType;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.enums.v1.PendingActivityState;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import org.junit.jupiter.api.Test;

/**
 * What status reads from the workflow's pending activities, without a worker: a namespace's one
 * activity (migrateNamespace, version namespace-one-activity) retried after a transient failure,
 * while its verification heartbeats its pod counts.
 */
class StatusViewTest {

  @Test
  void givenANamespaceActivityRetryingWhileItVerifies_statusShouldShowTheRetryAndTheLivePods() {
    DescribeWorkflowExecutionResponse described =
        DescribeWorkflowExecutionResponse.newBuilder()
            .setWorkflowExecutionInfo(
                WorkflowExecutionInfo.newBuilder()
                    .setStatus(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING))
            .addPendingActivities(
                PendingActivityInfo.newBuilder()
                    .setActivityType(ActivityType.newBuilder().setName("MigrateNamespace"))
                    .setAttempt(3)
                    .setMaximumAttempts(20)
                    .setState(PendingActivityState.PENDING_ACTIVITY_STATE_STARTED)
                    .setLastFailure(
                        Failure.newBuilder().setMessage("cannot reach the API server: timeout"))
                    .setHeartbeatDetails(
                        Payloads.newBuilder()
                            .addPayloads(
                                Payload.newBuilder()
                                    .setData(
                                        ByteString.copyFromUtf8("\"app-a: 3/12 pods verified\"")))))
            .build();

    StatusView view = StatusView.of("asm-migrate-x", described, null);

    assertThat(view.retries())
        .extracting(StatusView.Retry::line)
        .containsExactly(
            "MigrateNamespace attempt 3/20 (started): attempt 2 failed: cannot reach the API"
                + " server: timeout");
    assertThat(view.livePods()).containsOnlyKeys("app-a");
    assertThat(view.livePods().get("app-a")).containsExactly(3, 12);
  }
}
