package dev.asmmigrate.sandbox.access;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.sandbox.istio.Pem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * A Google service account key the sandbox made: an RSA key pair, its id and the account's e-mail,
 * written as the JSON key file {@code gcloud iam service-accounts keys create} writes, whose {@code
 * token_uri} names the sandbox's token endpoint. Only the public key stays with the token endpoint.
 */
public final class ServiceAccountKey {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String project;
  private final String clientEmail;
  private final String privateKeyId;
  private final KeyPair keyPair;

  private ServiceAccountKey(String project, String clientEmail, String privateKeyId, KeyPair kp) {
    this.project = project;
    this.clientEmail = clientEmail;
    this.privateKeyId = privateKeyId;
    this.keyPair = kp;
  }

  /** A new 2048-bit RSA key of {@code <account>@<project>.iam.gserviceaccount.com}. */
  public static ServiceAccountKey generate(String project, String account) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048, RANDOM);
      byte[] id = new byte[20];
      RANDOM.nextBytes(id);
      return new ServiceAccountKey(
          project,
          account + "@" + project + ".iam.gserviceaccount.com",
          HexFormat.of().formatHex(id),
          g.generateKeyPair());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public String clientEmail() {
    return clientEmail;
  }

  public String privateKeyId() {
    return privateKeyId;
  }

  public PublicKey publicKey() {
    return keyPair.getPublic();
  }

  /**
   * Writes the key file, owner-only (0600 from its creation on POSIX file systems), replacing any
   * file there.
   */
  public Path write(Path file, String tokenUri) throws IOException {
    ObjectNode key = JSON.createObjectNode();
    key.put("type", "service_account");
    key.put("project_id", project);
    key.put("private_key_id", privateKeyId);
    key.put("private_key", new Pem.Block("PRIVATE KEY", keyPair.getPrivate().getEncoded()).toPem());
    key.put("client_email", clientEmail);
    key.put("client_id", Long.toString(Math.abs(RANDOM.nextLong() % 1_000_000_000_000_000_000L)));
    key.put("auth_uri", "https://accounts.google.com/o/oauth2/auth");
    key.put("token_uri", tokenUri);
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.deleteIfExists(file);
    try {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(file);
    }
    Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(key));
    return file;
  }
}
