package dev.asmmigrate.cli;

import dev.asmmigrate.worker.codec.CodecKeys;
import dev.asmmigrate.worker.codec.EncryptionCodec;
import io.temporal.common.converter.DataConverter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The payload codec's keys: every command that talks to Temporal (and the demo) encrypts what it
 * sends and decrypts what it reads when one is given.
 */
final class CodecOptions {
  static final String ENV = "ASM_MIGRATE_CODEC_KEY";

  @Option(
      names = "--codec-key-file",
      paramLabel = "FILE",
      description =
          "AES-256 key (32 raw bytes or base64, owner-only file) encrypting every Temporal payload;"
              + " repeat to rotate keys: the first encrypts, all decrypt (default: $"
              + ENV
              + ", base64 keys separated by commas; with neither, payloads are not encrypted).")
  List<Path> keyFiles = new ArrayList<>();

  /** The codec's keys, if any; a bad or exposed key is a usage error (exit 2). */
  Optional<CodecKeys> keys() {
    try {
      return CodecKeys.load(keyFiles, System.getenv(ENV));
    } catch (CodecKeys.InvalidKeyException e) {
      throw new UserError(ExitCodes.USAGE, e.getMessage());
    }
  }

  /**
   * Temporal's default data converter, behind the encryption codec when a key is given; without a
   * key, one that names --codec-key-file when it meets an encrypted payload.
   */
  DataConverter dataConverter() {
    return keys().map(EncryptionCodec::dataConverter).orElseGet(EncryptionCodec::withoutKeys);
  }
}
