package dev.asmmigrate.activities.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.asmmigrate.activities.backup.BackupContent;
import dev.asmmigrate.activities.kube.Failures;
import dev.asmmigrate.workflows.model.FailureType;

/** GKE Hub's resources (protobuf messages) as the JSON their API carries, and as backups. */
final class HubMessages {
  private HubMessages() {}

  /** A Google API resource as a backup's pseudo-object: its JSON under {@code spec}. */
  static ObjectNode tree(Message message) {
    ObjectNode node = BackupContent.MAPPER.createObjectNode();
    node.put("kind", message.getDescriptorForType().getFullName());
    node.set("spec", json(message));
    return node;
  }

  /** A Google API resource as JSON, as its API carries it. */
  static JsonNode json(Message message) {
    try {
      return BackupContent.MAPPER.readTree(JsonFormat.printer().print(message));
    } catch (InvalidProtocolBufferException
        | com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise " + message.getDescriptorForType(), e);
    }
  }

  static <B extends Message.Builder> B fromTree(ObjectNode node, B builder) {
    try {
      JsonFormat.parser()
          .ignoringUnknownFields()
          .merge(BackupContent.json((ObjectNode) node.get("spec")), builder);
      return builder;
    } catch (InvalidProtocolBufferException e) {
      throw Failures.permanent(
          FailureType.BACKUP_CONFLICT,
          "backup is not a " + builder.getDescriptorForType() + ": " + e.getMessage());
    }
  }
}
