package dev.asmmigrate.sandbox.access;

import dev.asmmigrate.sandbox.istio.Certificates;
import dev.asmmigrate.sandbox.istio.Pem;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The TLS identity of a secure sandbox's API server, made at start as a GKE cluster's is: a cluster
 * CA (self-signed) and a serving certificate it signed for {@code 127.0.0.1} and {@code localhost}.
 * Clients trust the CA, which the kubeconfig and the fake ClusterManager's {@code
 * masterAuth.clusterCaCertificate} carry.
 */
public final class ServingTls {
  private static final long SERVING_TTL_SECONDS = 30L * 24 * 3600;

  private final String caPem;
  private final SSLContext sslContext;

  private ServingTls(String caPem, SSLContext sslContext) {
    this.caPem = caPem;
    this.sslContext = sslContext;
  }

  /** A new CA and serving certificate. */
  public static ServingTls generate(Instant now) {
    Certificates.Issued ca = Certificates.selfSignedRoot("sandbox-cluster-ca", now);
    Certificates.Issued serving =
        Certificates.issueServing(
            ca.certificatePem(),
            ca.privateKeyPem(),
            "kube-apiserver",
            List.of("127.0.0.1"),
            List.of("localhost", "kubernetes.default.svc"),
            now,
            SERVING_TTL_SECONDS);
    try {
      PrivateKey key = Certificates.privateKey(serving.privateKeyPem()).orElseThrow();
      X509Certificate leaf = Certificates.parse(Pem.blocks(serving.certificatePem()).get(0).der());
      X509Certificate root = Certificates.parse(Pem.blocks(ca.certificatePem()).get(0).der());
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      char[] password = "sandbox".toCharArray();
      store.setKeyEntry("serving", key, password, new X509Certificate[] {leaf, root});
      KeyManagerFactory keys =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, password);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return new ServingTls(ca.certificatePem(), context);
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("cannot build the sandbox API's TLS identity", e);
    }
  }

  /** The cluster CA certificate, PEM. */
  public String caPem() {
    return caPem;
  }

  /** The server side's context: the serving certificate and its key. */
  public SSLContext sslContext() {
    return sslContext;
  }
}
