package dev.asmmigrate.workflows.model;

/**
 * How the worker reaches the cluster and Google. Holds paths and names only, never credentials: the
 * worker reads the kubeconfig file itself, so no secret enters workflow history.
 *
 * @param kubeconfig path of a kubeconfig file on the worker, or null for the worker's default
 *     (KUBECONFIG, ~/.kube/config, or in-cluster)
 * @param context kubeconfig context, or null for the current one
 * @param googleEndpoint {@code host:port} of plaintext Google APIs (the sandbox's fakes), or null
 *     for Google with application default credentials
 */
public record Connection(String kubeconfig, String context, String googleEndpoint) {}
