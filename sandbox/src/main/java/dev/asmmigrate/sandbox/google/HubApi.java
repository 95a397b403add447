package dev.asmmigrate.sandbox.google;

import com.google.cloud.gkehub.v1beta.Feature;
import com.google.protobuf.Message;
import java.time.Instant;

/** The GKE Hub API versions the fake serves; they differ in message types, not in behaviour. */
enum HubApi implements HubOperations.MetadataFactory {
  V1("v1") {
    @Override
    public Message metadata(Instant created, Instant end, String target, String verb) {
      var b =
          com.google.cloud.gkehub.v1.OperationMetadata.newBuilder()
              .setCreateTime(Rpc.timestamp(created))
              .setTarget(target)
              .setVerb(verb)
              .setApiVersion(version());
      if (end != null) {
        b.setEndTime(Rpc.timestamp(end));
      }
      return b.build();
    }

    @Override
    Message feature(Feature feature) {
      return Rpc.convert(feature, com.google.cloud.gkehub.v1.Feature.parser());
    }
  },
  V1BETA("v1beta") {
    @Override
    public Message metadata(Instant created, Instant end, String target, String verb) {
      var b =
          com.google.cloud.gkehub.v1beta.OperationMetadata.newBuilder()
              .setCreateTime(Rpc.timestamp(created))
              .setTarget(target)
              .setVerb(verb)
              .setApiVersion(version());
      if (end != null) {
        b.setEndTime(Rpc.timestamp(end));
      }
      return b.build();
    }

    @Override
    Message feature(Feature feature) {
      return feature;
    }
  };

  private final String version;

  HubApi(String version) {
    this.version = version;
  }

  String version() {
    return version;
  }

  /** The feature in this version's type (the store keeps the v1beta form, a superset for mesh). */
  abstract Message feature(Feature feature);
}
