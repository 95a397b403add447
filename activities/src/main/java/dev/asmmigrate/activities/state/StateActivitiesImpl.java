package dev.asmmigrate.activities.state;

import dev.asmmigrate.activities.backup.BackupStores;
import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.workflows.activities.StateActivities;

/**
 * The state ConfigMap {@code istio-system/asm-addon-migration-state} ({@link StateConfigMap}).
 *
 * <p>It is the tool's own marker, like the one Google's script writes, so it is not backed up: its
 * undo is writing {@code ROLLED_BACK}, and a new migration overwrites an old one's.
 */
public final class StateActivitiesImpl implements StateActivities {
  private final KubeClients clients;

  public StateActivitiesImpl(KubeClients clients, BackupStores backups) {
    this.clients = clients;
  }

  @Override
  public void writeState(WriteStateRequest request) {
    var ctx = request.context();
    new StateConfigMap(clients.client(ctx.connection()))
        .write(ctx.migrationId(), request.state(), request.step(), request.reason());
  }
}
