package dev.asmmigrate.activities.backup;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.SandboxSettings;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.MigrationContext;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.slf4j.LoggerFactory;

/**
 * A sandbox for the activities' tests, with the worker's view of it: a kubeconfig, a {@link
 * Connection}, {@link KubeClients} and {@link BackupStores}, and the log lines of the activities.
 */
public final class SandboxHarness implements AutoCloseable {
  public final Sandbox sandbox;
  public final Path dir;
  public final Connection connection;
  public final KubeClients clients = new KubeClients();
  public final BackupStores backups = new BackupStores(clients);
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  private SandboxHarness(Sandbox sandbox, Path dir) throws IOException {
    this.sandbox = sandbox;
    this.dir = dir;
    Path kubeconfig = sandbox.writeKubeconfig(dir.resolve("sandbox.kubeconfig"));
    this.connection = new Connection(kubeconfig.toString(), "sandbox", sandbox.googleEndpoint());
    logs.start();
    ((Logger) LoggerFactory.getLogger("dev.asmmigrate.activities")).addAppender(logs);
  }

  public static SandboxHarness start(SandboxSettings.Builder settings) {
    try {
      Path dir = Files.createTempDirectory("asm-migrate-test");
      return new SandboxHarness(Sandbox.start(settings.build()), dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits (bounded) until every workload of the sandbox has rolled out and its pods are Ready. */
  public SandboxHarness settle() {
    if (!sandbox.awaitSettled(java.time.Duration.ofSeconds(120))) {
      throw new IllegalStateException("the sandbox did not settle within 120 s");
    }
    return this;
  }

  /** The client the activities use (the worker's kubeconfig, user agent asm-migrate). */
  public KubernetesClient client() {
    return clients.client(connection);
  }

  /** A context of a fresh migration, backups in the cluster. */
  public MigrationContext context() {
    return context(UUID.randomUUID().toString(), null);
  }

  public MigrationContext context(String migrationId, String backupDir) {
    var s = sandbox.settings();
    return new MigrationContext(
        migrationId,
        new ClusterRef(s.project(), s.location(), s.cluster()),
        connection,
        "asm-managed",
        backupDir);
  }

  /** Every log line of the activities so far, formatted. */
  public List<String> logLines() {
    synchronized (logs) {
      return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

  @Override
  public void close() {
    ((Logger) LoggerFactory.getLogger("dev.asmmigrate.activities")).detachAppender(logs);
    clients.close();
    sandbox.close();
  }
}
