package dev.asmmigrate.workflows.model;

/**
 * An object cleanup left in place because it is not proven to be the add-on's own: its identity,
 * why it stayed, and the command that deletes it by hand once the operator has decided.
 *
 * @param namespace the namespace, or null for a cluster-scoped object
 * @param reason why cleanup did not delete it
 * @param deleteCommand the exact {@code kubectl delete} of this one object
 */
public record KeptObject(
    String apiVersion,
    String kind,
    String namespace,
    String name,
    String reason,
    String deleteCommand) {}
