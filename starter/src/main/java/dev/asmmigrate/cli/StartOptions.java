package dev.asmmigrate.cli;

import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.workflows.model.ClusterRef;
import dev.asmmigrate.workflows.model.Connection;
import dev.asmmigrate.workflows.model.MigrationRequest;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.window.WindowPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What a migration is asked to do, as {@code start} takes it: the cluster, the mesh options and the
 * migration's own. Shared by {@code start} and {@code schedule create}, so that a scheduled run is
 * built, and refused, exactly as a started one.
 */
final class StartOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @ArgGroup(exclusive = false, multiplicity = "1", heading = "%nCluster:%n")
  ClusterOptions cluster;

  @Mixin MeshOptions mesh;

  @Mixin RunOptions run;

  @Mixin WindowOptions windows;

  @Mixin WindowRunOptions windowRun;

  @Option(
      names = "--continue-on-namespace-failure",
      description =
          "Roll back a namespace that fails verification and go on (default: roll back the whole migration).")
  boolean continueOnNamespaceFailure;

  @Option(
      names = "--backup-dir",
      paramLabel = "DIR",
      description =
          "Keep backups in this local directory on the worker (owner-only) instead of the cluster.")
  Path backupDir;

  @Option(
      names = "--fail-at",
      paramLabel = "STEP",
      description = "Inject a permanent failure at a step, to rehearse the rollback.")
  String failAt;

  /**
   * The request these options describe, validated as {@code start} validates it (bad values: exit
   * 2, before anything runs).
   */
  MigrationRequest request() {
    // bad windows are refused first: before the cluster or Temporal is contacted
    WindowPolicy windowPolicy = windowRun.policy(windows.windows(Instant.now()));
    mesh.validate();
    run.validate(mesh);
    if (failAt != null
        && Step.fromId(failAt).filter(Step::reversible).filter(Step::mutating).isEmpty()) {
      throw new UserError(
          ExitCodes.USAGE,
          "--fail-at must be one of "
              + Step.rollbackable().stream().map(Step::id).toList()
              + ", got '"
              + failAt
              + "'");
    }
    checkBackupDir();
    ClusterRef ref = cluster.clusterRef();
    Connection connection = cluster.connection();
    checkCanaryNamespacesExist(connection);
    return new MigrationRequest(
        ref,
        connection,
        mesh.fleetProject,
        mesh.channel,
        mesh.namespaces,
        run.canary,
        run.concurrency.value(),
        run.autoApprove,
        continueOnNamespaceFailure,
        mesh.restartSets,
        backupDir == null ? null : backupDir.toAbsolutePath().toString(),
        failAt,
        run.timeouts(),
        windowPolicy);
  }

  /**
   * A backup directory that cannot be one where the CLI runs (a file, or under a file) is refused;
   * one that does not exist here may exist on the worker, whose own check decides.
   */
  private void checkBackupDir() {
    if (backupDir == null) {
      return;
    }
    for (Path p = backupDir.toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.exists(p) && !Files.isDirectory(p)) {
        throw new UserError(
            ExitCodes.USAGE,
            "--backup-dir "
                + backupDir
                + ": "
                + (p.equals(backupDir.toAbsolutePath()) ? "it" : p)
                + " is a file, not a directory; name a directory (created if absent)");
      }
    }
  }

  /**
   * Canary namespaces that do not exist would be ignored: they are read here, read only, with the
   * same kubeconfig (pre-flight checks them again on the worker). A cluster this machine cannot
   * reach is left to pre-flight, with a note.
   */
  private void checkCanaryNamespacesExist(Connection connection) {
    if (run.canary.isEmpty()) {
      return;
    }
    List<String> missing = new ArrayList<>();
    try (KubernetesClient client = KubeClients.build(connection)) {
      for (String name : run.canary) {
        if (client.namespaces().withName(name).get() == null) {
          missing.add(name);
        }
      }
    } catch (KubernetesClientException e) {
      spec.commandLine()
          .getErr()
          .println(
              "note: could not read the canary namespaces here ("
                  + e.getMessage()
                  + "); pre-flight checks them on the worker");
      return;
    }
    if (!missing.isEmpty()) {
      throw new UserError(
          ExitCodes.USAGE,
          "--canary "
              + String.join(",", missing)
              + ": no such namespace in the cluster; a canary must be an injected namespace");
    }
  }
}
