package dev.asmmigrate.activities.preflight;

import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.activities.state.StateConfigMap;
import dev.asmmigrate.workflows.model.FailureType;
import dev.asmmigrate.workflows.model.MigrationState;

/** Whether the migration state ConfigMap a cluster holds lets a migration start or resume. */
final class ExistingState {
  private ExistingState() {}

  static void checkState(StateConfigMap.Current s) {
    String where = "configmap " + StateConfigMap.NAMESPACE + "/" + StateConfigMap.NAME;
    if (s.state() == null) {
      throw Failures.permanent(
          FailureType.STATE_CONFLICT,
          where
              + " has migrationStatus '"
              + s.status()
              + "', which no migration writes; inspect it, then delete it to migrate again");
    }
    if (s.state() == MigrationState.ROLLBACK_FAILED) {
      throw Failures.permanent(
          FailureType.STATE_CONFLICT,
          where
              + " says ROLLBACK_FAILED: the rollback of migration "
              + s.migrationId()
              + " (failed at step "
              + s.step()
              + ") did not complete, so the cluster is neither migrated nor back on the add-on."
              + " See which undo failed with 'asm-migrate status' or 'asm-migrate report' (or the"
              + " reason in the ConfigMap), finish it by hand from that migration's backups (kept),"
              + " then mark the rollback done: kubectl -n "
              + StateConfigMap.NAMESPACE
              + " patch configmap "
              + StateConfigMap.NAME
              + " --type merge -p '{\"data\":{\"migrationStatus\":\"ROLLED_BACK\"}}'"
              + " and start again");
    }
    if (s.migrationId() == null && s.state() != MigrationState.ROLLED_BACK) {
      throw Failures.permanent(
          FailureType.STATE_CONFLICT,
          where
              + " says "
              + s.status()
              + " without a migrationId: another tool (Google's migrate-addon script?) migrated"
              + " or is migrating this cluster; finish or roll back that migration, then delete it");
    }
  }
}
