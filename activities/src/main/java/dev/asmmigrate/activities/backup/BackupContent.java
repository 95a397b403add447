package dev.asmmigrate.activities.backup;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What every backup store agrees on: which server-managed fields a backup leaves out, how its
 * content is hashed, and how backups are named (deterministically, from the migration ID and the
 * object's key, so a repeated save finds the first one).
 */
public final class BackupContent {
  /** Jackson 2 mapper of the activities' JSON trees. */
  public static final ObjectMapper MAPPER = new ObjectMapper();

  /** Metadata fields the API server manages: never backed up, never restored. */
  public static final List<String> SERVER_METADATA =
      List.of(
          "managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink");

  private static final Pattern LABEL_VALUE =
      Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");
  private static final Pattern PATH_SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

  private BackupContent() {}

  /**
   * A copy of {@code object} without the server-managed metadata and without {@code status}: what
   * the object's owner wrote, which is what a restore must put back.
   */
  public static ObjectNode strip(ObjectNode object) {
    if (object == null) {
      return null;
    }
    ObjectNode copy = object.deepCopy();
    copy.remove("status");
    JsonNode metadata = copy.get("metadata");
    if (metadata instanceof ObjectNode m) {
      m.remove(SERVER_METADATA);
    }
    return copy;
  }

  /** The exact text a backup stores and hashes: compact JSON, or {@code null} when absent. */
  public static String json(ObjectNode object) {
    try {
      return object == null ? "null" : MAPPER.writeValueAsString(object);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Parses stored content; {@code null} text (an absent object) gives null. */
  public static ObjectNode parse(String json) {
    try {
      JsonNode node = MAPPER.readTree(json);
      if (node == null || node.isNull() || node.isMissingNode()) {
        return null;
      }
      if (!(node instanceof ObjectNode o)) {
        throw new IllegalArgumentException("backup content is not a JSON object");
      }
      return o;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("backup content is not JSON: " + e.getOriginalMessage());
    }
  }

  public static String sha256(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  /** The canonical text of a key, the input of its hash. */
  public static String keyText(ObjectKey key) {
    return key.apiVersion()
        + "|"
        + key.kind()
        + "|"
        + (key.namespace() == null ? "" : key.namespace())
        + "|"
        + key.name();
  }

  /**
   * The name of the backup of {@code key} for {@code migrationId}: {@code b-<16 hex of the
   * migration>-<40 hex of the key>}, 59 characters, a valid name for any Kubernetes object and
   * file.
   */
  public static String backupName(String migrationId, ObjectKey key) {
    return "b-"
        + sha256(migrationId).substring(0, 16)
        + "-"
        + sha256(keyText(key)).substring(0, 40);
  }

  /** The migration ID itself when it is a valid label value, else a hash of it. */
  public static String migrationLabel(String migrationId) {
    return LABEL_VALUE.matcher(migrationId).matches() && !migrationId.isEmpty()
        ? migrationId
        : "h-" + sha256(migrationId).substring(0, 40);
  }

  /** The migration ID itself when it is a safe directory name, else a hash of it. */
  public static String migrationDirectory(String migrationId) {
    return PATH_SEGMENT.matcher(migrationId).matches()
            && !migrationId.equals(".")
            && !migrationId.equals("..")
        ? migrationId
        : "h-" + sha256(migrationId).substring(0, 40);
  }

  /** A short form of a hash for log lines. */
  public static String shortHash(String sha256) {
    return sha256 == null || sha256.length() < 12
        ? String.valueOf(sha256)
        : sha256.substring(0, 12);
  }
}
