package dev.asmmigrate.worker.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.CodecDataConverter;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.payload.codec.PayloadCodec;
import io.temporal.payload.codec.PayloadCodecException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Encrypts every payload the Temporal client and worker send (workflow inputs and results, activity
 * inputs and results, signals, queries, failures) with AES-256-GCM, so that what the Temporal
 * server stores in history is opaque to it. Defence in depth: activities already put only
 * references and hashes in their results, never Secret content.
 *
 * <p>An encrypted payload is the original {@link Payload} serialized, encrypted under a random
 * 96-bit nonce, stored as {@code nonce || ciphertext || tag}, with metadata {@code
 * encoding=binary/encrypted} and {@value #METADATA_KEY_ID} naming the key. The key id is
 * authenticated too (additional data), so a payload cannot be relabelled to another key. Encoding
 * uses the first key of the {@link CodecKeys}; decoding accepts any of them, so keys rotate by
 * putting the new key first and keeping the old one until no history needs it. Payloads that are
 * not encrypted (written before the codec was turned on) are decoded as they are.
 */
public final class EncryptionCodec implements PayloadCodec {
  public static final String ENCODING = "binary/encrypted";
  public static final String METADATA_ENCODING = "encoding";
  public static final String METADATA_KEY_ID = "encryption-key-id";
  public static final String METADATA_CIPHER = "encryption-cipher";
  public static final String CIPHER_NAME = "AES-256-GCM";

  static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final String TRANSFORMATION = "AES/GCM/NoPadding";

  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(EncryptionCodec.class);
  private static final java.util.Set<String> REPORTED =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  private final CodecKeys keys;
  private final SecureRandom random = new SecureRandom();

  public EncryptionCodec(CodecKeys keys) {
    this.keys = keys;
  }

  /**
   * The data converter of clients and workers: Temporal's default JSON conversion, then this codec,
   * failures' messages and stack traces included.
   */
  public static DataConverter dataConverter(CodecKeys keys) {
    return new CodecDataConverter(
        DefaultDataConverter.newDefaultInstance(), List.of(new EncryptionCodec(keys)), true);
  }

  @Override
  public List<Payload> encode(List<Payload> payloads) {
    List<Payload> out = new ArrayList<>(payloads.size());
    for (Payload p : payloads) {
      out.add(encrypt(p));
    }
    return out;
  }

  @Override
  public List<Payload> decode(List<Payload> payloads) {
    List<Payload> out = new ArrayList<>(payloads.size());
    for (Payload p : payloads) {
      out.add(decrypt(p));
    }
    return out;
  }

  /**
   * A payload this process cannot decode: the failure names the flag that fixes it, and the first
   * one for each key id is logged in one line (the SDK retries the workflow task every few seconds
   * and would otherwise say only DataConverterException).
   */
  static PayloadCodecException undecodable(String keyId, String what, Exception cause) {
    String message =
        what
            + "; give this process the key the migration was started with: --codec-key-file FILE"
            + " (or $ASM_MIGRATE_CODEC_KEY), the same on the worker and every command";
    if (REPORTED.add(keyId)) {
      log.error("codec: {}", message);
    }
    return cause == null
        ? new PayloadCodecException(message)
        : new PayloadCodecException(message, cause);
  }

  /**
   * A data converter without keys that still recognizes encrypted payloads: reading one fails with
   * a message naming --codec-key-file instead of the default converter's "unknown encoding".
   */
  public static DataConverter withoutKeys() {
    return new CodecDataConverter(
        DefaultDataConverter.newDefaultInstance(), List.of(new NoKeys()), false);
  }

  /** Passes payloads through; an encrypted one cannot be read without a key. */
  private static final class NoKeys implements PayloadCodec {
    @Override
    public List<Payload> encode(List<Payload> payloads) {
      return payloads;
    }

    @Override
    public List<Payload> decode(List<Payload> payloads) {
      for (Payload p : payloads) {
        ByteString encoding = p.getMetadataMap().get(METADATA_ENCODING);
        if (encoding != null && ENCODING.equals(encoding.toStringUtf8())) {
          ByteString id = p.getMetadataMap().get(METADATA_KEY_ID);
          String keyId = id == null ? "" : id.toStringUtf8();
          throw undecodable(
              keyId,
              "a payload is encrypted with codec key "
                  + (keyId.isEmpty() ? "<none>" : keyId)
                  + ", and this process has no codec key",
              null);
        }
      }
      return payloads;
    }
  }

  private Payload encrypt(Payload plain) {
    CodecKeys.Key key = keys.primary();
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    byte[] sealed;
    try {
      Cipher cipher = Cipher.getInstance(TRANSFORMATION);
      cipher.init(Cipher.ENCRYPT_MODE, key.secretKey(), new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(key.id().getBytes(StandardCharsets.UTF_8));
      sealed = cipher.doFinal(plain.toByteArray());
    } catch (GeneralSecurityException e) {
      throw new PayloadCodecException("cannot encrypt a payload: " + e, e);
    }
    byte[] data = ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array();
    Map<String, ByteString> metadata = new LinkedHashMap<>();
    metadata.put(METADATA_ENCODING, ByteString.copyFromUtf8(ENCODING));
    metadata.put(METADATA_CIPHER, ByteString.copyFromUtf8(CIPHER_NAME));
    metadata.put(METADATA_KEY_ID, ByteString.copyFromUtf8(key.id()));
    return Payload.newBuilder().putAllMetadata(metadata).setData(ByteString.copyFrom(data)).build();
  }

  private Payload decrypt(Payload payload) {
    ByteString encoding = payload.getMetadataMap().get(METADATA_ENCODING);
    if (encoding == null || !ENCODING.equals(encoding.toStringUtf8())) {
      return payload;
    }
    ByteString keyIdBytes = payload.getMetadataMap().get(METADATA_KEY_ID);
    String keyId = keyIdBytes == null ? "" : keyIdBytes.toStringUtf8();
    CodecKeys.Key key =
        keys.byId(keyId)
            .orElseThrow(
                () ->
                    undecodable(
                        keyId,
                        "a payload is encrypted with key "
                            + (keyId.isEmpty() ? "<none>" : keyId)
                            + ", which is not among the configured codec keys "
                            + keys.ids(),
                        null));
    byte[] data = payload.getData().toByteArray();
    if (data.length < NONCE_BYTES + TAG_BITS / 8) {
      throw new PayloadCodecException("an encrypted payload is too short to be one");
    }
    byte[] plain;
    try {
      Cipher cipher = Cipher.getInstance(TRANSFORMATION);
      cipher.init(
          Cipher.DECRYPT_MODE,
          key.secretKey(),
          new GCMParameterSpec(TAG_BITS, data, 0, NONCE_BYTES));
      cipher.updateAAD(key.id().getBytes(StandardCharsets.UTF_8));
      plain = cipher.doFinal(data, NONCE_BYTES, data.length - NONCE_BYTES);
    } catch (GeneralSecurityException e) {
      // AEADBadTagException: changed after encryption, or encrypted under another key with this id
      throw undecodable(
          key.id(),
          "cannot decrypt a payload with key " + key.id() + ": it was altered or the key is wrong",
          e);
    }
    try {
      return Payload.parseFrom(plain);
    } catch (InvalidProtocolBufferException e) {
      throw new PayloadCodecException("a decrypted payload is not a Temporal payload", e);
    }
  }
}
