package dev.asmmigrate.sandbox.google;

import com.google.cloud.gkehub.v1beta.Feature;
import com.google.cloud.gkehub.v1beta.OperationMetadata;
import com.google.protobuf.Message;
import java.time.Instant;
import java.util.function.Function;

/**
 * The GKE Hub API versions the fake serves; they differ in message types, not in behaviour. The
 * fake builds every message in its v1beta form (a superset for mesh) and converts it to the version
 * asked for, field numbers being the same.
 */
enum HubApi implements HubOperations.MetadataFactory {
  V1(
      "v1",
      feature -> Rpc.convert(feature, com.google.cloud.gkehub.v1.Feature.parser()),
      metadata -> Rpc.convert(metadata, com.google.cloud.gkehub.v1.OperationMetadata.parser())),
  V1BETA("v1beta", feature -> feature, metadata -> metadata);

  private final String version;
  private final Function<Feature, Message> feature;
  private final Function<OperationMetadata, Message> metadata;

  HubApi(
      String version,
      Function<Feature, Message> feature,
      Function<OperationMetadata, Message> metadata) {
    this.version = version;
    this.feature = feature;
    this.metadata = metadata;
  }

  String version() {
    return version;
  }

  @Override
  public Message metadata(Instant created, Instant end, String target, String verb) {
    OperationMetadata.Builder b =
        OperationMetadata.newBuilder()
            .setCreateTime(Rpc.timestamp(created))
            .setTarget(target)
            .setVerb(verb)
            .setApiVersion(version);
    if (end != null) {
      b.setEndTime(Rpc.timestamp(end));
    }
    return metadata.apply(b.build());
  }

  /** The feature in this version's type (the store keeps the v1beta form, a superset for mesh). */
  Message feature(Feature feature) {
    return this.feature.apply(feature);
  }
}
