package dev.asmmigrate.workflows.model.fleet;

/** What a fleet that halts does with the clusters still migrating. */
public enum HaltAction {
  /** Lets them finish; their outcomes count as they end. */
  FINISH,
  /**
   * Aborts them: each rolls back to the add-on, unless it already passed its point of no return.
   */
  ROLL_BACK
}
