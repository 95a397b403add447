package dev.asmmigrate.worker.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.asmmigrate.worker.MigrationWorker;
import dev.asmmigrate.workflows.MigrationWorkflow;
import dev.asmmigrate.workflows.activities.PreflightActivities;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.MigrationResult;
import dev.asmmigrate.workflows.model.PreflightReport;
import dev.asmmigrate.workflows.model.Timeouts;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.converter.DataConverter;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * With the codec, what the Temporal server stores is opaque: a migration starts through a client
 * with the codec, a worker with the codec runs it (pre-flight fails, so it ends at once), and a
 * client WITHOUT the codec reads the history: every payload in it (workflow input, activity input,
 * failure details, result) is encrypted, none is JSON, and none of the request's or the failure's
 * text is in the history in any encoding. The one exception is the SDK's own version markers
 * (Workflow.getVersion), which it writes without the codec: they may carry only our change ids.
 */
class EncryptedHistoryTest {
  private static final String KUBECONFIG = "/home/ops/.kube/config-with-a-token-9f2c41d7";
  private static final String FAILURE = "pre-flight saw a service account token 5a1e77c0";

  /** What a version marker may carry: one of the workflow's change ids, or a version number. */
  private static final String VERSION_MARKER_DATA =
      "\"(undo-after-cancelled-step-stops|config-check-before-changes"
          + "|restart-token-from-migration-id|namespace-undone-once|namespace-undo-on-success"
          + "|resume-only-resumable-states|abort-recorded-as-abort"
          + "|preflight-refusal-outcome|status-memo|status-memo-per-wave|namespace-one-activity)\"|-?[0-9]+";

  /** Pre-flight failing permanently, with text that must not reach the server in clear. */
  public static final class FailingPreflight implements PreflightActivities {
    @Override
    public PreflightReport preflight(PreflightRequest request) {
      throw ApplicationFailure.newNonRetryableFailure(FAILURE, "PERMISSION_DENIED");
    }
  }

  @Test
  void givenTheCodec_whenAMigrationRuns_itsHistoryReadWithoutTheCodecShouldHoldOnlyCiphertext() {
    DataConverter codec =
        EncryptionCodec.dataConverter(CodecKeys.of(List.of(EncryptionCodecTest.key())));
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance();
        MigrationWorker worker =
            MigrationWorker.start(
                env.getWorkflowServiceStubs(),
                new MigrationWorker.Settings(env.getNamespace(), true, 2),
                List.of(new FailingPreflight()),
                codec)) {
      WorkflowClient encrypting =
          WorkflowClient.newInstance(
              env.getWorkflowServiceStubs(),
              WorkflowClientOptions.newBuilder()
                  .setNamespace(env.getNamespace())
                  .setDataConverter(codec)
                  .build());
      ClusterRef cluster = new ClusterRef("p", "us-central1-c", "c");
      MigrationWorkflow wf =
          encrypting.newWorkflowStub(
              MigrationWorkflow.class,
              WorkflowOptions.newBuilder()
                  .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
                  .setWorkflowId(cluster.workflowId())
                  .setWorkflowExecutionTimeout(Duration.ofMinutes(2))
                  .build());

      MigrationResult result = wf.migrate(request(cluster));

      // the codec's client reads it all back: encryption is transparent to the product
      assertThat(result.failedStep()).isEqualTo("preflight");
      assertThat(result.error()).contains(FAILURE);

      WorkflowClient plain =
          WorkflowClient.newInstance(
              env.getWorkflowServiceStubs(),
              WorkflowClientOptions.newBuilder().setNamespace(env.getNamespace()).build());
      var history = plain.fetchHistory(cluster.workflowId());
      List<Payload> payloads = new ArrayList<>();
      List<String> versionMarkers = new ArrayList<>();
      for (HistoryEvent e : history.getEvents()) {
        if (e.hasMarkerRecordedEventAttributes()
            && e.getMarkerRecordedEventAttributes().getMarkerName().equals("Version")) {
          // Workflow.getVersion's marker: the SDK writes it with its standard converter, never
          // through the codec; it may hold nothing but a change id of ours and a version number
          List<Payload> marker = new ArrayList<>();
          collectPayloads(e, marker);
          for (Payload p : marker) {
            String data = p.getData().toStringUtf8();
            assertThat(data).as("a version marker's payload").matches(VERSION_MARKER_DATA);
            versionMarkers.add(data);
          }
          continue;
        }
        collectPayloads(e, payloads);
      }
      assertThat(versionMarkers).contains("\"undo-after-cancelled-step-stops\"");
      // the status the workflow keeps in its memo (status and report read it without a worker)
      // is among the payloads checked: it goes through the codec too
      assertThat(history.getEvents())
          .filteredOn(HistoryEvent::hasWorkflowPropertiesModifiedEventAttributes)
          .isNotEmpty();
      // started input, activity input, the activity's failure, the workflow's result
      assertThat(payloads).hasSizeGreaterThanOrEqualTo(4);
      for (Payload p : payloads) {
        assertThat(p.getMetadataMap().get("encoding").toStringUtf8())
            .isEqualTo(EncryptionCodec.ENCODING);
        assertThat(EncryptionCodecTest.isJson(p.getData())).as(p.toString()).isFalse();
      }
      String json = history.toJson(true);
      for (String secret : List.of(KUBECONFIG, FAILURE)) {
        assertThat(json).doesNotContain(secret);
        assertThat(json)
            .doesNotContain(
                Base64.getEncoder()
                    .encodeToString(secret.getBytes(StandardCharsets.UTF_8))
                    .substring(0, 24));
      }
      // every payload's data in every form the JSON history may carry it, decoded
      for (Payload p : payloads) {
        assertThat(p.getData().toStringUtf8()).doesNotContain(KUBECONFIG, FAILURE);
      }
    }
  }

  /** Every {@link Payload} anywhere inside {@code message}, however deeply nested. */
  static void collectPayloads(Message message, List<Payload> out) {
    if (message instanceof Payload p) {
      out.add(p);
      return;
    }
    for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
      if (field.getKey().getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      if (field.getKey().isRepeated()) {
        for (Object item : (List<?>) field.getValue()) {
          collectPayloads((Message) item, out);
        }
      } else {
        collectPayloads((Message) field.getValue(), out);
      }
    }
  }

  private static MigrationRequest request(ClusterRef cluster) {
    return new MigrationRequest(
        cluster,
        new Connection(KUBECONFIG, "prod", null),
        null,
        "regular",
        List.of(),
        List.of(),
        1,
        true,
        false,
        true,
        null,
        null,
        Timeouts.defaults(),
        null);
  }
}
