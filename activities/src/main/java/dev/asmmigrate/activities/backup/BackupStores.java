package dev.asmmigrate.activities.backup;

import dev.asmmigrate.activities.kube.KubeClients;
import dev.asmmigrate.workflows.model.MigrationContext;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The backup store of a migration: a local directory when the migration names one ({@code
 * --backup-dir}), else namespace {@value ClusterBackupStore#NAMESPACE} of the migrated cluster.
 */
public final class BackupStores {
  private final KubeClients clients;
  private final Map<String, BackupStore> stores = new ConcurrentHashMap<>();

  public BackupStores(KubeClients clients) {
    this.clients = clients;
  }

  public BackupStore forContext(MigrationContext ctx) {
    String dir = ctx.backupDir();
    if (dir != null && !dir.isBlank()) {
      return stores.computeIfAbsent("dir|" + dir, k -> new LocalBackupStore(Path.of(dir)));
    }
    var conn = ctx.connection();
    return stores.computeIfAbsent(
        "cluster|" + KubeClients.key(conn), k -> new ClusterBackupStore(clients.client(conn)));
  }
}
