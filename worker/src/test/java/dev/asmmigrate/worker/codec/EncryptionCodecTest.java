package dev.asmmigrate.worker.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.payload.codec.PayloadCodecException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EncryptionCodecTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String SECRET_TEXT = "-----BEGIN RSA PRIVATE KEY----- MIIEpAIBAAKCAQEA";

  @TempDir Path dir;

  @Test
  void givenAJsonPayload_whenEncodedThenDecoded_itShouldComeBackIdenticalAndBeOpaqueInBetween() {
    byte[] key = key();
    EncryptionCodec codec = new EncryptionCodec(CodecKeys.of(List.of(key)));
    Payload plain = json(Map.of("caKey", SECRET_TEXT));

    Payload encrypted = codec.encode(List.of(plain)).get(0);
    Payload again = codec.encode(List.of(plain)).get(0);

    assertThat(encrypted.getMetadataMap().get("encoding").toStringUtf8())
        .isEqualTo("binary/encrypted");
    assertThat(encrypted.getMetadataMap().get(EncryptionCodec.METADATA_KEY_ID).toStringUtf8())
        .isEqualTo(CodecKeys.idOf(key))
        .hasSize(16);
    assertThat(encrypted.getData().toStringUtf8()).doesNotContain("caKey", "PRIVATE KEY");
    assertThat(isJson(encrypted.getData())).isFalse();
    // a random nonce per payload: the same plaintext never encrypts the same way twice
    assertThat(again.getData()).isNotEqualTo(encrypted.getData());
    assertThat(encrypted.getData().substring(0, EncryptionCodec.NONCE_BYTES))
        .isNotEqualTo(again.getData().substring(0, EncryptionCodec.NONCE_BYTES));
    assertThat(codec.decode(List.of(encrypted))).containsExactly(plain);
    assertThat(codec.decode(List.of(again))).containsExactly(plain);
  }

  @Test
  void givenAnUnencryptedPayload_whenDecoded_itShouldPassThroughUnchanged() {
    EncryptionCodec codec = new EncryptionCodec(CodecKeys.of(List.of(key())));
    Payload plain = json(Map.of("a", 1));

    assertThat(codec.decode(List.of(plain))).containsExactly(plain);
  }

  @Test
  void givenAnEncryptedPayload_whenAnyByteOrItsKeyIdIsChanged_itShouldRefuseToDecode() {
    byte[] key = key();
    byte[] other = key();
    EncryptionCodec codec = new EncryptionCodec(CodecKeys.of(List.of(key, other)));
    Payload encrypted = codec.encode(List.of(json(Map.of("caKey", SECRET_TEXT)))).get(0);

    for (int i : new int[] {0, EncryptionCodec.NONCE_BYTES, encrypted.getData().size() - 1}) {
      byte[] data = encrypted.getData().toByteArray();
      data[i] ^= 0x01;
      Payload tampered = encrypted.toBuilder().setData(ByteString.copyFrom(data)).build();
      assertThatThrownBy(() -> codec.decode(List.of(tampered)))
          .as("byte %d flipped", i)
          .isInstanceOf(PayloadCodecException.class)
          .hasMessageContaining("altered or the key is wrong");
    }
    Payload truncated = encrypted.toBuilder().setData(encrypted.getData().substring(0, 20)).build();
    assertThatThrownBy(() -> codec.decode(List.of(truncated)))
        .isInstanceOf(PayloadCodecException.class);
    // the key id is authenticated: relabelling the payload to the other configured key fails
    Payload relabelled =
        encrypted.toBuilder()
            .putMetadata(
                EncryptionCodec.METADATA_KEY_ID, ByteString.copyFromUtf8(CodecKeys.idOf(other)))
            .build();
    assertThatThrownBy(() -> codec.decode(List.of(relabelled)))
        .isInstanceOf(PayloadCodecException.class)
        .hasMessageContaining("altered or the key is wrong");
  }

  @Test
  void givenAPayloadEncryptedWithAnotherKey_whenDecoded_itShouldFailNamingTheUnknownKey() {
    byte[] theirs = key();
    Payload encrypted =
        new EncryptionCodec(CodecKeys.of(List.of(theirs)))
            .encode(List.of(json(Map.of("caKey", SECRET_TEXT))))
            .get(0);
    EncryptionCodec ours = new EncryptionCodec(CodecKeys.of(List.of(key())));

    assertThatThrownBy(() -> ours.decode(List.of(encrypted)))
        .isInstanceOf(PayloadCodecException.class)
        .hasMessageContaining(CodecKeys.idOf(theirs))
        .hasMessageContaining("not among the configured codec keys");
  }

  @Test
  void givenARotatedKey_whenOldPayloadsAreDecoded_itShouldReadThemAndWriteWithTheNewKey() {
    byte[] oldKey = key();
    byte[] newKey = key();
    Payload plain = json(Map.of("step", "configure-mesh-ca"));
    Payload old = new EncryptionCodec(CodecKeys.of(List.of(oldKey))).encode(List.of(plain)).get(0);
    EncryptionCodec rotated = new EncryptionCodec(CodecKeys.of(List.of(newKey, oldKey)));

    assertThat(rotated.decode(List.of(old))).containsExactly(plain);
    Payload fresh = rotated.encode(List.of(plain)).get(0);
    assertThat(fresh.getMetadataMap().get(EncryptionCodec.METADATA_KEY_ID).toStringUtf8())
        .isEqualTo(CodecKeys.idOf(newKey));
    assertThatThrownBy(
            () -> new EncryptionCodec(CodecKeys.of(List.of(oldKey))).decode(List.of(fresh)))
        .isInstanceOf(PayloadCodecException.class);
  }

  @Test
  void givenTheDataConverter_whenAValueRoundTrips_itShouldComeBackEqual() {
    DataConverter converter = EncryptionCodec.dataConverter(CodecKeys.of(List.of(key())));
    Payload payload = converter.toPayload(Map.of("k", "v")).orElseThrow();

    assertThat(payload.getMetadataMap().get("encoding").toStringUtf8())
        .isEqualTo("binary/encrypted");
    assertThat(converter.fromPayload(payload, Map.class, Map.class)).isEqualTo(Map.of("k", "v"));
  }

  // --- key files and the environment -------------------------------------------------------------

  @Test
  void givenOwnerOnlyKeyFiles_whenLoaded_itShouldAcceptRawAndBase64KeysInOrder()
      throws IOException {
    byte[] raw = key();
    byte[] b64 = key();
    byte[] env = key();
    Path rawFile = keyFile("raw.key", raw, "rw-------");
    Path b64File =
        keyFile(
            "b64.key",
            (Base64.getEncoder().encodeToString(b64) + "\n").getBytes(StandardCharsets.US_ASCII),
            "r--------");

    CodecKeys keys =
        CodecKeys.load(List.of(rawFile, b64File), Base64.getEncoder().encodeToString(env))
            .orElseThrow();

    assertThat(keys.ids())
        .containsExactly(CodecKeys.idOf(raw), CodecKeys.idOf(b64), CodecKeys.idOf(env));
    assertThat(keys.primary().id()).isEqualTo(CodecKeys.idOf(raw));
    assertThat(keys.primary().toString()).doesNotContain(Base64.getEncoder().encodeToString(raw));
    assertThat(CodecKeys.load(List.of(), null)).isEmpty();
    assertThat(CodecKeys.load(List.of(), " ")).isEmpty();
  }

  @Test
  void givenAKeyFileReadableByGroupOrOthers_whenLoaded_itShouldRefuseIt() throws IOException {
    for (String mode : List.of("rw-r-----", "rw----r--", "rw-rw-rw-", "rw-----w-")) {
      Path file = keyFile("exposed-" + mode + ".key", key(), mode);
      assertThatThrownBy(() -> CodecKeys.load(List.of(file), null))
          .as(mode)
          .isInstanceOf(CodecKeys.InvalidKeyException.class)
          .hasMessageContaining("accessible to its group or to others")
          .hasMessageContaining("chmod 600");
    }
  }

  @Test
  void givenMalformedKeys_whenLoaded_itShouldSayWhatIsWrong() throws IOException {
    Path shortKey = keyFile("short.key", new byte[16], "rw-------");
    assertThatThrownBy(() -> CodecKeys.load(List.of(shortKey), null))
        .isInstanceOf(CodecKeys.InvalidKeyException.class)
        .hasMessageContaining("neither 32 raw bytes nor a base64-encoded key");
    Path b64Short = keyFile("b64short.key", Base64.getEncoder().encode(new byte[16]), "rw-------");
    assertThatThrownBy(() -> CodecKeys.load(List.of(b64Short), null))
        .hasMessageContaining("16-byte key; AES-256 needs 32 bytes");
    assertThatThrownBy(() -> CodecKeys.load(List.of(dir.resolve("missing.key")), null))
        .isInstanceOf(CodecKeys.InvalidKeyException.class)
        .hasMessageContaining("does not exist");
    assertThatThrownBy(() -> CodecKeys.load(List.of(), "not base64!"))
        .isInstanceOf(CodecKeys.InvalidKeyException.class)
        .hasMessageContaining("ASM_MIGRATE_CODEC_KEY");
  }

  // --- helpers -----------------------------------------------------------------------------------

  static byte[] key() {
    byte[] k = new byte[CodecKeys.KEY_BYTES];
    RANDOM.nextBytes(k);
    return k;
  }

  private Path keyFile(String name, byte[] content, String mode) throws IOException {
    Path file = dir.resolve(name);
    Files.write(file, content);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    return file;
  }

  private static Payload json(Object value) {
    return DefaultDataConverter.newDefaultInstance().toPayload(value).orElseThrow();
  }

  static boolean isJson(ByteString data) {
    try {
      new ObjectMapper()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .readTree(data.toByteArray());
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
